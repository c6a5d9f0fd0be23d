package dev.nextinfer.core.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.checkpoint.ModelFiles;
import dev.nextinfer.core.checkpoint.SourceTensor;
import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.core.weights.TensorPlan;
import dev.nextinfer.kernels.Matrix;
import org.junit.jupiter.api.Test;

/**
 * {@code q3n-256} exists both as a Hugging Face checkpoint and as llama.cpp's BF16 GGUF conversion: the GGUF path
 * must give the model the same config and every tensor the same values — matrices bit for bit (the converter only
 * renames, regroups and reshapes them), vectors the converter transformed ({@code 1 + w} norms,
 * {@code ssm_a = −exp(A_log)}) within f32 rounding of the inverse transform.
 */
class GgufSafetensorsEquivalenceTest {

    @Test
    void configsAgree() {
        try (ModelFiles hf = ModelFiles.open(GgufFixtures.safetensors()); ModelFiles gguf = ModelFiles.open(GgufFixtures.file("BF16"))) {
            Qwen3NextConfig a = hf.config();
            Qwen3NextConfig b = gguf.config();
            assertEquals(a.vocabSize(), b.vocabSize());
            assertEquals(a.hiddenSize(), b.hiddenSize());
            assertEquals(a.numHiddenLayers(), b.numHiddenLayers());
            assertEquals(a.numAttentionHeads(), b.numAttentionHeads());
            assertEquals(a.numKeyValueHeads(), b.numKeyValueHeads());
            assertEquals(a.headDim(), b.headDim());
            assertEquals(a.rotaryDim(), b.rotaryDim());
            assertEquals(a.ropeTheta(), b.ropeTheta(), 1e-6 * a.ropeTheta());
            assertEquals(a.rmsNormEps(), b.rmsNormEps(), 1e-12);
            assertEquals(a.linearConvKernelDim(), b.linearConvKernelDim());
            assertEquals(a.linearKeyHeadDim(), b.linearKeyHeadDim());
            assertEquals(a.linearValueHeadDim(), b.linearValueHeadDim());
            assertEquals(a.linearNumKeyHeads(), b.linearNumKeyHeads());
            assertEquals(a.linearNumValueHeads(), b.linearNumValueHeads());
            assertEquals(a.moeIntermediateSize(), b.moeIntermediateSize());
            assertEquals(a.sharedExpertIntermediateSize(), b.sharedExpertIntermediateSize());
            assertEquals(a.numExperts(), b.numExperts());
            assertEquals(a.numExpertsPerTok(), b.numExpertsPerTok());
            assertEquals(a.normTopkProb(), b.normTopkProb());
            assertEquals(a.layerTypes(), b.layerTypes());
            assertEquals(a.tieWordEmbeddings(), b.tieWordEmbeddings());
            assertTrue(gguf.tensors().hasMtp());
        }
    }

    @Test
    void everyTensorEqualsTheSafetensorsOne() {
        try (ModelFiles hf = ModelFiles.open(GgufFixtures.safetensors()); ModelFiles gguf = ModelFiles.open(GgufFixtures.file("BF16"))) {
            int checked = 0;
            for (TensorPlan.TensorSpec spec : TensorPlan.list(hf.config(), true)) {
                SourceTensor a = hf.tensors().tensor(spec.name());
                SourceTensor b = gguf.tensors().tensor(spec.name());
                assertTrue(b != null, "GGUF has no tensor for " + spec.name());
                assertTrue(b.hasShape(spec.shape()), spec.name() + ": " + b.shapeString());
                if (spec.kind() == TensorPlan.Kind.VECTOR) {
                    float[] va = a.readAll();
                    float[] vb = b.readAll();
                    assertEquals(va.length, vb.length, spec.name());
                    for (int i = 0; i < va.length; i++) {
                        // 1 + w and its inverse, or -exp and log, round twice in f32: a few ulps of the stored value
                        double tol = 4 * Math.ulp(Math.max(1f, Math.abs(va[i])));
                        assertEquals(va[i], vb[i], tol, spec.name() + "[" + i + "]");
                    }
                } else {
                    Matrix ma = a.matrix(spec.rows(), spec.cols());
                    Matrix mb = b.matrix(spec.rows(), spec.cols());
                    float[] ra = new float[spec.cols()];
                    float[] rb = new float[spec.cols()];
                    for (int r = 0; r < spec.rows(); r++) {
                        ma.row(r, ra, 0);
                        mb.row(r, rb, 0);
                        assertArrayEquals(ra, rb, spec.name() + " row " + r);
                    }
                }
                checked++;
            }
            assertTrue(checked > 100, "checked " + checked + " tensors");
        }
    }
}
