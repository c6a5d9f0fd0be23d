package dev.nextinfer.tools.synth;

import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.config.ConfigParser;
import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.core.safetensors.Checkpoint;
import dev.nextinfer.core.safetensors.DType;
import dev.nextinfer.core.safetensors.TensorInfo;
import dev.nextinfer.kernels.BF16Matrix;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/**
 * Rewrites three tensors of a {@link Synthesizer} checkpoint in place so that the main model and the MTP head both
 * predict a fixed token cycle {@code x → (x + 1) mod V}: MTP drafts then agree with the main model, which random
 * weights never do, so speculative decoding can be tested on its accept path and its speed measured.
 *
 * <ul>
 *   <li>{@code model.embed_tokens[x] = scale · c(x)}, with {@code c(x)} a random code of unit variance per token;
 *   <li>{@code lm_head[v] = c(v − 1) / √H}: the final hidden state of a residual stream dominated by
 *       {@code scale · c(x)} scores highest on {@code v = x + 1};
 *   <li>{@code mtp.fc = [scale · I | 0]}: the head passes on the normed embedding of its input token {@code next}
 *       (predicting {@code next + 1}, the token after next) and ignores the hidden half.
 * </ul>
 *
 * Every other tensor stays random, so the residual branches (DeltaNet, attention, MoE) still compute on the context
 * and add to the stream. {@code scale} sets how much the cycle dominates them: large values give a draft that
 * always agrees; values near the branches' size make the main model leave the cycle now and then, which exercises
 * partial acceptance. Needs untied embeddings and an F32 or BF16 checkpoint.
 */
public final class CycleCheckpoint {
    private CycleCheckpoint() {
    }

    /** The token the cycle puts after {@code x}. */
    public static int next(int x, int vocab) {
        return (x + 1) % vocab;
    }

    /** Rewrites {@code dir}'s embedding, {@code lm_head} and {@code mtp.fc} as described above. */
    public static void rewrite(Path dir, double scale, long seed) throws IOException {
        Qwen3NextConfig cfg = ConfigParser.read(dir);
        if (cfg.tieWordEmbeddings()) {
            throw new NextInferException(dir + ": the cycle needs separate embed_tokens and lm_head (tie_word_embeddings is true)");
        }
        int V = cfg.vocabSize();
        int H = cfg.hiddenSize();
        TensorInfo embed;
        TensorInfo head;
        TensorInfo fc;
        try (Checkpoint c = Checkpoint.open(dir)) {
            embed = c.info("model.embed_tokens.weight");
            head = c.info("lm_head.weight");
            fc = c.has("mtp.fc.weight") ? c.info("mtp.fc.weight") : null;
        }
        if (fc == null) {
            throw new NextInferException(dir + ": no mtp.fc.weight: the checkpoint has no MTP head");
        }
        float inv = (float) (1 / Math.sqrt(H));
        float[] row = new float[H];
        try (Rows e = new Rows(embed, H)) {
            for (int x = 0; x < V; x++) {
                code(seed, x, row);
                for (int i = 0; i < H; i++) {
                    row[i] *= (float) scale;
                }
                e.write(x, row);
            }
        }
        try (Rows h = new Rows(head, H)) {
            for (int v = 0; v < V; v++) {
                code(seed, (v - 1 + V) % V, row);
                for (int i = 0; i < H; i++) {
                    row[i] *= inv;
                }
                h.write(v, row);
            }
        }
        try (Rows f = new Rows(fc, 2 * H)) {
            float[] fcRow = new float[2 * H];
            for (int r = 0; r < H; r++) {
                java.util.Arrays.fill(fcRow, 0f);
                fcRow[r] = (float) scale;
                f.write(r, fcRow);
            }
        }
    }

    /** The code of token {@code x}: H values uniform in [−√3, √3] (unit variance). */
    private static void code(long seed, int x, float[] out) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + x);
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (Math.sqrt(3) * (2 * r.nextDouble() - 1));
        }
    }

    /** Writes whole rows of one F32 or BF16 matrix in its file. */
    private static final class Rows implements AutoCloseable {
        private final TensorInfo t;
        private final FileChannel ch;
        private final long base;
        private final ByteBuffer buf;

        Rows(TensorInfo t, int cols) throws IOException {
            if (t.rank() != 2 || t.dim(1) != cols) {
                throw new NextInferException(t + ": expected rows of " + cols + " values");
            }
            if (t.dtype() != DType.F32 && t.dtype() != DType.BF16) {
                throw new NextInferException(t + ": the cycle writes F32 or BF16 tensors only");
            }
            this.t = t;
            this.ch = FileChannel.open(t.file(), StandardOpenOption.READ, StandardOpenOption.WRITE);
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(len, 0);
            this.base = 8 + len.flip().getLong() + t.begin();
            this.buf = ByteBuffer.allocate(cols * t.dtype().size()).order(ByteOrder.LITTLE_ENDIAN);
        }

        void write(int row, float[] values) throws IOException {
            buf.clear();
            for (float v : values) {
                if (t.dtype() == DType.F32) {
                    buf.putFloat(v);
                } else {
                    buf.putShort(BF16Matrix.fromFloat(v));
                }
            }
            buf.flip();
            long pos = base + (long) row * buf.remaining();
            while (buf.hasRemaining()) {
                pos += ch.write(buf, pos);
            }
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
