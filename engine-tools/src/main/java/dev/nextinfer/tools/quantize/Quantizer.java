package dev.nextinfer.tools.quantize;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.checkpoint.ModelFiles;
import dev.nextinfer.core.checkpoint.SourceTensor;
import dev.nextinfer.core.gguf.GgufExport;
import dev.nextinfer.core.gguf.GgufRecipe;
import dev.nextinfer.core.gguf.GgufTokenizer;
import dev.nextinfer.core.safetensors.Checkpoint;
import dev.nextinfer.core.safetensors.DType;
import dev.nextinfer.core.safetensors.SafetensorsSource;
import dev.nextinfer.core.safetensors.SafetensorsWriter;
import dev.nextinfer.core.safetensors.TensorInfo;
import dev.nextinfer.core.weights.LoadListener;
import dev.nextinfer.core.weights.TensorPlan;
import dev.nextinfer.core.weights.WeightLoader;
import dev.nextinfer.kernels.Matrix;
import dev.nextinfer.kernels.MatrixFormat;
import dev.nextinfer.kernels.ThreadPool;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a model with its matrices converted once, so later loads map them instead of converting:
 * <ul>
 *   <li>{@link #toGguf}: any model (folder or GGUF) as a {@code qwen3next} GGUF file, loadable by llama.cpp too,
 *       with the types of a {@link GgufRecipe} (e.g. a Q4_K_M-like file from the official safetensors release);</li>
 *   <li>{@link #toFolder}: a safetensors folder with the same {@code config.json} and tokenizer files, in which
 *       every compute matrix (see {@link TensorPlan.Kind#MATRIX}) whose width fits is a {@code U8} tensor of the
 *       same name holding ggml Q8_0/Q4_0 blocks, marked by the file metadata {@code "nextinfer.weights"}.</li>
 * </ul>
 * Tensors are converted one at a time on the thread pool, straight into the memory-mapped output, so memory use
 * stays bounded whatever the model's size.
 */
public final class Quantizer {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Quantizer() {
    }

    /**
     * Writes the checkpoint folder {@code src} to the folder {@code out} with its matrices in {@code format}
     * ({@code q8_0} or {@code q4_0}), converting on {@code threads} threads.
     */
    public static void quantize(Path src, Path out, dev.nextinfer.core.weights.WeightFormat format, int threads, LoadListener listener)
            throws IOException {
        if (format != dev.nextinfer.core.weights.WeightFormat.Q8_0 && format != dev.nextinfer.core.weights.WeightFormat.Q4_0) {
            throw new NextInferException("quantize writes q8_0 or q4_0, not " + format.cliName());
        }
        try (ThreadPool pool = new ThreadPool(Math.max(1, threads))) {
            toFolder(src, out, format.matrixFormat(), pool, listener);
        }
    }

    /** Writes {@code src} (a checkpoint folder or GGUF file) to the GGUF file {@code out} with {@code recipe}'s types. */
    public static void toGguf(Path src, Path out, GgufRecipe recipe, ThreadPool pool, LoadListener listener) throws IOException {
        toGguf(src, out, recipe, true, pool, listener);
    }

    /** As {@link #toGguf(Path, Path, GgufRecipe, ThreadPool, LoadListener)}, leaving the MTP head out unless {@code withMtp}. */
    public static void toGguf(Path src, Path out, GgufRecipe recipe, boolean withMtp, ThreadPool pool, LoadListener listener)
            throws IOException {
        if (Files.exists(out) && Files.isSameFile(src, out)) {
            throw new NextInferException(out + ": the output file must differ from the model");
        }
        try (ModelFiles files = ModelFiles.open(src)) {
            WeightLoader.check(files.config(), files.tensors());
            Path tmp = out.resolveSibling(out.getFileName() + ".partial");
            GgufExport.write(files.config(), files.tensors(), GgufTokenizer.metadata(files), recipe, withMtp, tmp, pool, listener);
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** Writes the checkpoint folder {@code src} to the folder {@code out} with its matrices in {@code format} (Q8_0 or Q4_0). */
    public static void toFolder(Path src, Path out, MatrixFormat format, ThreadPool pool, LoadListener listener) throws IOException {
        if (format != MatrixFormat.Q8_0 && format != MatrixFormat.Q4_0) {
            throw new NextInferException("a quantized checkpoint folder holds q8_0 or q4_0, not " + format);
        }
        if (!Files.isDirectory(src)) {
            throw new NextInferException(src + ": a quantized checkpoint folder is written from a checkpoint folder; write GGUF instead (--out FILE.gguf)");
        }
        if (Files.exists(out) && Files.isSameFile(src, out)) {
            throw new NextInferException(out + ": the output folder must differ from the checkpoint folder");
        }
        try (ModelFiles files = ModelFiles.open(src)) {
            // the loader's own checks first: a bad checkpoint fails before anything is written
            WeightLoader.check(files.config(), files.tensors());
            Checkpoint ckpt = ((SafetensorsSource) files.tensors()).checkpoint();
            Map<String, TensorPlan.TensorSpec> matrices = new HashMap<>();
            for (TensorPlan.TensorSpec t : TensorPlan.list(files.config(), files.tensors().hasMtp())) {
                if (t.kind() == TensorPlan.Kind.MATRIX && format.fits(t.cols())) {
                    matrices.put(t.name(), t);
                }
            }
            List<SafetensorsWriter.Entry> entries = new ArrayList<>();
            for (String name : ckpt.names()) {
                TensorInfo t = ckpt.info(name);
                TensorPlan.TensorSpec m = matrices.get(name);
                String scaled = name.endsWith("_scale_inv") ? name.substring(0, name.length() - "_scale_inv".length()) : null;
                if (m != null) {
                    entries.add(new SafetensorsWriter.Entry(name, DType.U8, new long[] {format.byteSize(m.rows(), m.cols())}));
                } else if (scaled == null || !matrices.containsKey(scaled)) { // FP8 scales of a converted matrix are folded in
                    entries.add(new SafetensorsWriter.Entry(name, t.dtype(), t.shape()));
                }
            }
            Files.createDirectories(out);
            clearWeights(out);
            copyOtherFiles(src, out);
            long total = entries.stream().mapToLong(SafetensorsWriter.Entry::byteSize).sum();
            long done = 0;
            List<List<SafetensorsWriter.Entry>> shards = SafetensorsWriter.shard(entries, 4L << 30);
            Map<String, String> weightMap = new LinkedHashMap<>();
            Map<String, String> meta = Map.of("format", "pt", SafetensorsSource.PREQUANTIZED_KEY, format.name().toLowerCase(java.util.Locale.ROOT),
                    SafetensorsSource.LAYOUT_KEY, SafetensorsSource.LAYOUT_GGML);
            for (int s = 0; s < shards.size(); s++) {
                String file = shards.size() == 1 ? "model.safetensors" : String.format("model-%05d-of-%05d.safetensors", s + 1, shards.size());
                try (SafetensorsWriter w = new SafetensorsWriter(out.resolve(file), shards.get(s), meta, 64); Arena arena = Arena.ofShared()) {
                    MemorySegment map = w.channel().map(FileChannel.MapMode.READ_WRITE, 0, w.channel().size(), arena);
                    for (SafetensorsWriter.Entry e : shards.get(s)) {
                        weightMap.put(e.name(), file);
                        MemorySegment dst = map.asSlice(w.fileOffset(e.name()), e.byteSize());
                        TensorPlan.TensorSpec m = matrices.get(e.name());
                        SourceTensor t = files.tensors().tensor(e.name());
                        if (m != null) {
                            encode(t, m.rows(), m.cols(), format, dst, pool);
                        } else {
                            MemorySegment.copy(ckpt.data(ckpt.info(e.name())), 0, dst, 0, e.byteSize());
                        }
                        dst.force();
                        dst.unload();
                        if (t != null) {
                            t.release();
                        }
                        done += e.byteSize();
                        listener.progress(done, total, e.name());
                    }
                }
            }
            if (shards.size() > 1) {
                ObjectNode index = JSON.createObjectNode();
                index.putObject("metadata").put("total_size", total);
                ObjectNode wm = index.putObject("weight_map");
                weightMap.forEach(wm::put);
                Files.writeString(out.resolve(Checkpoint.INDEX_FILE), JSON.writeValueAsString(index));
            }
            Files.copy(src.resolve("config.json"), out.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Encodes the rows of {@code t} into {@code dst} in {@code format}, split over the pool (rows are independent). */
    private static void encode(SourceTensor t, int rows, int cols, MatrixFormat format, MemorySegment dst, ThreadPool pool) {
        Matrix stored = t.format() != null ? t.matrix(rows, cols) : null;
        long rowBytes = format.rowBytes(cols);
        pool.parallelFor(rows, Math.max(16, rows / (pool.threads() * 8)), (r0, r1) -> {
            float[] row = new float[cols];
            for (int r = r0; r < r1; r++) {
                if (stored != null) {
                    stored.row(r, row, 0);
                } else {
                    t.readRow(r, row, 0);
                }
                format.encodeRow(row, 0, dst, r * rowBytes, cols);
            }
        });
    }

    private static void clearWeights(Path out) throws IOException {
        Files.deleteIfExists(out.resolve("config.json")); // written last: an interrupted run is not loadable
        Files.deleteIfExists(out.resolve(Checkpoint.INDEX_FILE));
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(out, "*.safetensors")) {
            for (Path p : ds) {
                Files.delete(p);
            }
        }
    }

    /** Tokenizer, generation config, chat templates, model card …: everything but the weights and config.json. */
    private static void copyOtherFiles(Path src, Path out) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(src)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (Files.isRegularFile(p) && !n.endsWith(".safetensors") && !n.equals(Checkpoint.INDEX_FILE) && !n.equals("config.json")) {
                    Files.copy(p, out.resolve(n), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
