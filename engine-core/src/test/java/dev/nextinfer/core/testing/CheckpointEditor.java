package dev.nextinfer.core.testing;

import dev.nextinfer.core.safetensors.Checkpoint;
import dev.nextinfer.core.safetensors.DType;
import dev.nextinfer.core.safetensors.SafetensorsWriter;
import dev.nextinfer.core.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Copies a checkpoint into one file with some tensors dropped or replaced (zero data), for loader error tests. */
public final class CheckpointEditor {
    private final Path src;
    private Predicate<String> keep = n -> true;
    private final Map<String, SafetensorsWriter.Entry> replace = new HashMap<>();
    private final List<SafetensorsWriter.Entry> add = new ArrayList<>();

    private CheckpointEditor(Path src) {
        this.src = src;
    }

    /** Starts from a checkpoint folder. */
    public static CheckpointEditor from(Path src) {
        return new CheckpointEditor(src);
    }

    /** Drops tensors whose name matches. */
    public CheckpointEditor drop(Predicate<String> names) {
        keep = keep.and(names.negate());
        return this;
    }

    /** Replaces a tensor by one of another dtype/shape (zero bytes). */
    public CheckpointEditor replace(String name, DType dtype, long... shape) {
        replace.put(name, new SafetensorsWriter.Entry(name, dtype, shape));
        return this;
    }

    /** Adds a zero tensor. */
    public CheckpointEditor add(String name, DType dtype, long... shape) {
        add.add(new SafetensorsWriter.Entry(name, dtype, shape));
        return this;
    }

    /** Writes {@code dst/model.safetensors} and copies {@code config.json}. */
    public Path writeTo(Path dst) throws IOException {
        Files.createDirectories(dst);
        Files.copy(src.resolve("config.json"), dst.resolve("config.json"));
        try (Checkpoint c = Checkpoint.open(src)) {
            List<SafetensorsWriter.Entry> entries = new ArrayList<>();
            for (String n : c.names()) {
                if (!keep.test(n)) {
                    continue;
                }
                TensorInfo t = c.info(n);
                entries.add(replace.getOrDefault(n, new SafetensorsWriter.Entry(n, t.dtype(), t.shape())));
            }
            entries.addAll(add);
            try (SafetensorsWriter w = new SafetensorsWriter(dst.resolve("model.safetensors"), entries, Map.of())) {
                for (SafetensorsWriter.Entry e : entries) {
                    ByteBuffer data = c.has(e.name()) && !replace.containsKey(e.name())
                            ? c.data(c.info(e.name())).asByteBuffer()
                            : ByteBuffer.allocate((int) e.byteSize());
                    w.write(e.name(), 0, data);
                }
            }
        }
        return dst;
    }
}
