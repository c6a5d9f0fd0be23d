package dev.nextinfer.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.testing.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** config.json parsing: defaults as transformers, both rope spellings, layer patterns, and one-line errors. */
class ConfigParserTest {

    @Test
    void officialReleaseConfig() {
        Qwen3NextConfig c = ConfigParser.read(Fixtures.root().resolve("models/qwen3-next-80b-a3b-instruct.config.json"));
        assertEquals(48, c.numHiddenLayers());
        assertEquals(2048, c.hiddenSize());
        assertEquals(151936, c.vocabSize());
        assertEquals(1e7, c.ropeTheta());
        assertEquals(64, c.rotaryDim());
        assertEquals(12, c.numFullAttentionLayers());
        assertEquals(LayerType.FULL_ATTENTION, c.layerType(3));
        assertEquals(LayerType.LINEAR_ATTENTION, c.layerType(46));
        assertEquals(LayerType.FULL_ATTENTION, c.layerType(47));
        assertEquals(12288, c.linearQkvzDim());
        assertEquals(8192, c.linearConvDim());
        assertTrue(c.isMoeLayer(0));
        assertTrue(c.normTopkProb());
        assertFalse(c.tieWordEmbeddings());
        assertEquals(List.of(151645), c.eosTokenIds());
        assertNull(c.fp8BlockSize());
        assertNull(c.ropeScaling());
    }

    @Test
    void emptyObjectGivesTransformersDefaults() {
        Qwen3NextConfig c = ConfigParser.parse("{}", "config.json");
        assertEquals(151936, c.vocabSize());
        assertEquals(5632, c.intermediateSize());
        assertEquals(32768, c.maxPositionEmbeddings());
        assertEquals(10000.0, c.ropeTheta());
        assertEquals(0.25, c.partialRotaryFactor());
        assertEquals(512, c.numExperts());
        assertEquals(10, c.numExpertsPerTok());
        assertEquals(1e-6, c.rmsNormEps());
        assertTrue(c.defaultedKeys().contains("hidden_size"));
    }

    @Test
    void ropeParametersObjectIsRead() {
        Qwen3NextConfig c = ConfigParser.parse("{\"rope_parameters\": {\"rope_type\": \"default\", \"rope_theta\": 5000000, \"partial_rotary_factor\": 0.5}}", "c");
        assertEquals(5e6, c.ropeTheta());
        assertEquals(0.5, c.partialRotaryFactor());
        assertNull(c.ropeScaling());
    }

    @Test
    void yarnScaling() {
        Qwen3NextConfig c = ConfigParser.parse("{\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0, \"original_max_position_embeddings\": 262144}}", "c");
        assertEquals(4.0, c.ropeScaling().factor());
        assertEquals(262144, c.ropeScaling().originalMaxPositionEmbeddings());
        assertEquals(0.1 * Math.log(4) + 1, c.ropeScaling().effectiveAttentionFactor(), 1e-12);
        double[] f = c.ropeScaling().invFreq(64, 1e7);
        double[] plain = dev.nextinfer.kernels.Rope.standardInvFreq(64, 1e7);
        assertEquals(plain[0], f[0], 1e-15);            // fast dims extrapolate (unchanged)
        assertEquals(plain[31] / 4, f[31], 1e-15 * plain[31]); // slow dims interpolate (÷ factor)
    }

    @Test
    void layerTypesListAndMlpOnlyLayers() {
        Qwen3NextConfig c = ConfigParser.parse("{\"num_hidden_layers\": 3, \"layer_types\": [\"full_attention\", \"linear_attention\", \"full_attention\"],"
                + " \"mlp_only_layers\": [1], \"decoder_sparse_step\": 1}", "c");
        assertEquals(List.of(LayerType.FULL_ATTENTION, LayerType.LINEAR_ATTENTION, LayerType.FULL_ATTENTION), c.layerTypes());
        assertTrue(c.isMoeLayer(0));
        assertFalse(c.isMoeLayer(1));
        Qwen3NextConfig sparse2 = ConfigParser.parse("{\"num_hidden_layers\": 4, \"decoder_sparse_step\": 2}", "c");
        assertFalse(sparse2.isMoeLayer(0));
        assertTrue(sparse2.isMoeLayer(1));
        Qwen3NextConfig interval2 = ConfigParser.parse("{\"num_hidden_layers\": 4, \"full_attention_interval\": 2}", "c");
        assertEquals(LayerType.FULL_ATTENTION, interval2.layerType(1));
        assertEquals(LayerType.LINEAR_ATTENTION, interval2.layerType(2));
    }

    @Test
    void fp8QuantizationConfig() {
        Qwen3NextConfig c = ConfigParser.read(Fixtures.model("tiny-fp8-b32"));
        assertEquals(32, c.fp8BlockSize()[0]);
        assertEquals(32, c.fp8BlockSize()[1]);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"hidden_size\": \"2048\"}                     | field 'hidden_size': expected an integer, got string",
            "{\"hidden_size\": 20.5}                         | field 'hidden_size': expected an integer",
            "{\"hidden_size\": -4}                           | field 'hidden_size': expected a positive integer",
            "{\"rms_norm_eps\": \"x\"}                       | field 'rms_norm_eps': expected a number",
            "{\"tie_word_embeddings\": 1}                    | field 'tie_word_embeddings': expected true or false",
            "{\"model_type\": \"llama\"}                     | field 'model_type': expected \"qwen3_next\"",
            "{\"num_hidden_layers\": 2, \"layer_types\": [\"full_attention\"]} | field 'layer_types': expected a list of 2 strings",
            "{\"num_hidden_layers\": 1, \"layer_types\": [\"sliding\"]} | field 'layer_types[0]'",
            "{\"mlp_only_layers\": [99]}                     | field 'mlp_only_layers': expected layer indices in [0, 48)",
            "{\"linear_num_value_heads\": 5}                 | field 'linear_num_value_heads': must be a multiple",
            "{\"num_key_value_heads\": 3}                    | field 'num_key_value_heads': must divide",
            "{\"num_experts\": 4, \"num_experts_per_tok\": 5} | field 'num_experts_per_tok'",
            "{\"rope_scaling\": {\"rope_type\": \"longrope\"}} | field 'rope_scaling.rope_type'",
            "{\"quantization_config\": {\"quant_method\": \"awq\"}} | field 'quantization_config.quant_method'",
            "{\"quantization_config\": {\"quant_method\": \"fp8\"}} | field 'quantization_config.weight_block_size': missing",
            "{\"eos_token_id\": \"x\"}                       | field 'eos_token_id'",
            "[1, 2]                                          | expected a JSON object",
            "{\"hidden_size\": 2048,                         | not valid JSON"})
    void badConfigsGiveOneLineErrorsNamingTheField(String json, String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parse(json, "dir/config.json"));
        assertTrue(e.getMessage().startsWith("dir/config.json: "), e.getMessage());
        assertTrue(e.getMessage().contains(expected.trim()), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void missingFileIsNamed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.read(java.nio.file.Path.of("/nonexistent-dir")));
        assertTrue(e.getMessage().startsWith("/nonexistent-dir: not found"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ConfigParser.read(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve("config.json") + ": not found"), e.getMessage());
    }
}
