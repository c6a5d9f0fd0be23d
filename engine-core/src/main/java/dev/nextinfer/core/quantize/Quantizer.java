package dev.nextinfer.core.quantize;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.config.ConfigParser;
import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.core.safetensors.Checkpoint;
import dev.nextinfer.core.safetensors.DType;
import dev.nextinfer.core.safetensors.SafetensorsWriter;
import dev.nextinfer.core.safetensors.StoredTensor;
import dev.nextinfer.core.safetensors.TensorInfo;
import dev.nextinfer.core.weights.LoadListener;
import dev.nextinfer.core.weights.WeightFormat;
import dev.nextinfer.core.safetensors.SafetensorsSource;
import dev.nextinfer.core.weights.TensorPlan;
import dev.nextinfer.core.weights.WeightLoader;
import dev.nextinfer.kernels.Q4_0Matrix;
import dev.nextinfer.kernels.Q8_0Matrix;
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
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * Writes a checkpoint's compute matrices in {@code q8_0} or {@code q4_0} so that later loads map them instead of
 * quantising: the output folder has the same {@code config.json} and tokenizer files, and safetensors shards in
 * which every compute matrix (see {@link TensorPlan.Kind#MATRIX}) whose width is a multiple of 32 is a {@code U8}
 * tensor of the same name holding exactly the in-memory layout of {@link Q8_0Matrix}/{@link Q4_0Matrix}, marked
 * by the file metadata {@code "nextinfer.weights": "q8_0"}. Every other tensor is copied as stored. Data starts
 * 64-byte aligned. Tensors are written one at a time, quantised in parallel straight into the memory-mapped output,
 * so memory use stays bounded whatever the checkpoint size.
 */
public final class Quantizer {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Quantizer() {
    }

    /** Quantises {@code src} into {@code out} (created; must not be {@code src}). */
    public static void quantize(Path src, Path out, WeightFormat format, int threads, LoadListener listener) throws IOException {
        if (format != WeightFormat.Q8_0 && format != WeightFormat.Q4_0) {
            throw new NextInferException("quantize writes q8_0 or q4_0, not " + format.cliName());
        }
        if (Files.exists(out) && Files.isSameFile(src, out)) {
            throw new NextInferException(out + ": the output folder must differ from the checkpoint folder");
        }
        Qwen3NextConfig cfg = ConfigParser.read(src);
        try (Checkpoint ckpt = Checkpoint.open(src); ForkJoinPoolCloser pool = new ForkJoinPoolCloser(Math.max(1, threads))) {
            // the loader's own checks first: a bad checkpoint fails before anything is written
            WeightLoader.check(cfg, new SafetensorsSource(ckpt, cfg.fp8BlockSize()));
            Map<String, TensorPlan.Kind> kinds = new HashMap<>();
            for (TensorPlan.TensorSpec t : TensorPlan.list(cfg, ckpt.has("mtp.fc.weight"))) {
                kinds.put(t.name(), t.kind());
            }
            List<SafetensorsWriter.Entry> entries = new ArrayList<>();
            Map<String, int[]> quantised = new HashMap<>();
            for (String name : ckpt.names()) {
                TensorInfo t = ckpt.info(name);
                if (quantisable(kinds.get(name), t)) {
                    int rows = (int) t.dim(0);
                    int cols = (int) t.dim(1);
                    quantised.put(name, new int[] {rows, cols});
                    entries.add(new SafetensorsWriter.Entry(name, DType.U8, new long[] {format.matrixFormat().byteSize(rows, cols)}));
                } else if (name.endsWith("_scale_inv") && quantisable(kinds.get(name.substring(0, name.length() - "_scale_inv".length())),
                        ckpt.info(name.substring(0, name.length() - "_scale_inv".length())))) {
                    continue; // the FP8 scales of a matrix that is quantised: folded into the new layout
                } else {
                    entries.add(new SafetensorsWriter.Entry(name, t.dtype(), t.shape()));
                }
            }
            Files.createDirectories(out);
            clearWeights(out);
            copyOtherFiles(src, out);
            long total = entries.stream().mapToLong(SafetensorsWriter.Entry::byteSize).sum();
            long[] done = {0};
            List<List<SafetensorsWriter.Entry>> shards = SafetensorsWriter.shard(entries, 4L << 30);
            Map<String, String> weightMap = new LinkedHashMap<>();
            Map<String, String> meta = Map.of("format", "pt", SafetensorsSource.PREQUANTIZED_KEY, format.cliName(),
                    SafetensorsSource.LAYOUT_KEY, SafetensorsSource.LAYOUT_GGML);
            for (int s = 0; s < shards.size(); s++) {
                String file = shards.size() == 1 ? "model.safetensors" : String.format("model-%05d-of-%05d.safetensors", s + 1, shards.size());
                try (SafetensorsWriter w = new SafetensorsWriter(out.resolve(file), shards.get(s), meta, 64);
                     Arena arena = Arena.ofShared()) {
                    long size = w.channel().size();
                    MemorySegment map = w.channel().map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
                    for (SafetensorsWriter.Entry e : shards.get(s)) {
                        weightMap.put(e.name(), file);
                        MemorySegment dst = map.asSlice(w.fileOffset(e.name()), e.byteSize());
                        TensorInfo t = ckpt.info(e.name());
                        int[] rc = quantised.get(e.name());
                        if (rc != null) {
                            quantise(cfg, ckpt, t, rc[0], rc[1], format, dst, pool.pool);
                        } else {
                            MemorySegment.copy(ckpt.data(t), 0, dst, 0, e.byteSize());
                        }
                        dst.force();
                        dst.unload();
                        MemorySegment source = ckpt.data(t);
                        if (source.isMapped()) {
                            source.unload();
                        }
                        done[0] += e.byteSize();
                        listener.progress(done[0], total, e.name());
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

    /** A compute matrix whose rows split into blocks of 32 (all of them in the real model). */
    private static boolean quantisable(TensorPlan.Kind kind, TensorInfo t) {
        return kind == TensorPlan.Kind.MATRIX && t != null && t.rank() == 2 && t.dim(1) % 32 == 0 && t.dtype() != DType.U8;
    }

    private static void quantise(Qwen3NextConfig cfg, Checkpoint ckpt, TensorInfo t, int rows, int cols, WeightFormat format,
                                 MemorySegment dst, ForkJoinPool pool) {
        StoredTensor src;
        if (t.dtype() == DType.F8_E4M3) {
            int[] b = cfg.fp8BlockSize();
            src = StoredTensor.fp8(ckpt, t, ckpt.info(t.name() + "_scale_inv"), b[0], b[1]);
        } else {
            src = StoredTensor.of(ckpt, t);
        }
        int chunk = Math.max(16, rows / (pool.getParallelism() * 8));
        int chunks = (rows + chunk - 1) / chunk;
        pool.submit(() -> IntStream.range(0, chunks).parallel().forEach(c -> {
            float[] row = new float[cols];
            for (int r = c * chunk; r < Math.min(rows, (c + 1) * chunk); r++) {
                src.readRow(r, row, 0);
                if (format == WeightFormat.Q8_0) {
                    Q8_0Matrix.quantizeRow(row, 0, dst, rows, cols, r);
                } else {
                    Q4_0Matrix.quantizeRow(row, 0, dst, rows, cols, r);
                }
            }
        })).join();
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

    /** A ForkJoinPool that shuts down with try-with-resources. */
    private record ForkJoinPoolCloser(ForkJoinPool pool) implements AutoCloseable {
        ForkJoinPoolCloser(int threads) {
            this(new ForkJoinPool(threads));
        }

        @Override
        public void close() {
            pool.shutdown();
        }
    }
}
