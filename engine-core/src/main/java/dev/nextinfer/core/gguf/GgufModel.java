package dev.nextinfer.core.gguf;

import dev.nextinfer.core.checkpoint.CheckpointException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A GGUF model: one file, or the shards of a split file found from the first one ({@code name-00001-of-00003.gguf};
 * {@code split.count}, {@code split.no} and {@code split.tensors.count} are checked). Metadata comes from the first
 * shard; tensors from all. Typed metadata getters fail with a one-line error naming the file and the key.
 */
public final class GgufModel implements AutoCloseable {
    private static final Pattern SHARD = Pattern.compile("(.*)-(\\d{5})-of-(\\d{5})\\.gguf");

    private final Path path;
    private final Arena arena;
    private final List<GgufFile> files;
    private final Map<String, GgufTensorInfo> tensors;
    private final Map<String, GgufFile> fileOf;

    private GgufModel(Path path, Arena arena, List<GgufFile> files, Map<String, GgufTensorInfo> tensors, Map<String, GgufFile> fileOf) {
        this.path = path;
        this.arena = arena;
        this.files = files;
        this.tensors = tensors;
        this.fileOf = fileOf;
    }

    /**
     * Opens {@code path} and, for a split model, every other shard.
     *
     * @throws CheckpointException naming the file and what is wrong
     */
    public static GgufModel open(Path path) {
        Arena arena = Arena.ofShared();
        try {
            GgufFile first = GgufFile.open(path, arena);
            int count = splitKey(first, "split.count", 1);
            int no = splitKey(first, "split.no", 0);
            List<GgufFile> files = new ArrayList<>();
            files.add(first);
            if (count > 1 || no != 0) {
                Matcher m = SHARD.matcher(path.getFileName().toString());
                if (no != 0) {
                    String hint = m.matches() ? ": open " + String.format("%s-%05d-of-%05d.gguf", m.group(1), 1, count) + " instead" : "";
                    throw new CheckpointException(path + ": is shard " + (no + 1) + " of a " + count + "-part split model; give the first shard" + hint);
                }
                if (!m.matches() || Integer.parseInt(m.group(3)) != count) {
                    throw new CheckpointException(path + ": split.count is " + count + " but the file name is not <name>-00001-of-"
                            + String.format("%05d", count) + ".gguf, so the other shards cannot be found");
                }
                for (int i = 2; i <= count; i++) {
                    Path shard = path.resolveSibling(String.format("%s-%05d-of-%05d.gguf", m.group(1), i, count));
                    if (!Files.isRegularFile(shard)) {
                        throw new CheckpointException(path + ": split shard " + i + " of " + count + " is missing: " + shard);
                    }
                    GgufFile f = GgufFile.open(shard, arena);
                    if (splitKey(f, "split.no", -1) != i - 1 || splitKey(f, "split.count", -1) != count) {
                        throw new CheckpointException(shard + ": split.no/split.count are " + splitKey(f, "split.no", -1) + "/"
                                + splitKey(f, "split.count", -1) + ", expected " + (i - 1) + "/" + count);
                    }
                    files.add(f);
                }
            }
            Map<String, GgufTensorInfo> tensors = new LinkedHashMap<>();
            Map<String, GgufFile> fileOf = new LinkedHashMap<>();
            for (GgufFile f : files) {
                for (GgufTensorInfo t : f.tensors().values()) {
                    if (tensors.put(t.name(), t) != null) {
                        throw new CheckpointException(f.path() + ": tensor '" + t.name() + "' also appears in " + fileOf.get(t.name()).path().getFileName());
                    }
                    fileOf.put(t.name(), f);
                }
            }
            if (count > 1) {
                int expected = splitKey(first, "split.tensors.count", tensors.size());
                if (expected != tensors.size()) {
                    throw new CheckpointException(path + ": split.tensors.count is " + expected + " but the " + count + " shards hold "
                            + tensors.size() + " tensors");
                }
            }
            return new GgufModel(path, arena, List.copyOf(files), Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(fileOf));
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * A single-file model from bytes in memory, named {@code path} in errors: what {@link #open} does for a file
     * that is not split, without the file system (the fuzz tests' entry).
     */
    static GgufModel of(Path path, MemorySegment bytes) {
        GgufFile f = GgufFile.of(path, bytes);
        if (splitKey(f, "split.count", 1) > 1 || splitKey(f, "split.no", 0) != 0) {
            throw new CheckpointException(path + ": a shard of a split model");
        }
        Map<String, GgufFile> fileOf = new LinkedHashMap<>();
        f.tensors().keySet().forEach(name -> fileOf.put(name, f));
        return new GgufModel(path, null, List.of(f), f.tensors(), Collections.unmodifiableMap(fileOf)); // nothing mapped
    }

    private static int splitKey(GgufFile f, String key, int dflt) {
        GgufValue v = f.metadata().get(key);
        if (v == null) {
            return dflt;
        }
        if (!v.type().isInteger() || (Long) v.value() < 0 || (Long) v.value() > 65535) {
            throw new CheckpointException(f.path() + ": metadata key '" + key + "' is " + v.describe() + ", expected a small unsigned integer");
        }
        return ((Long) v.value()).intValue();
    }

    /** The file given to {@link #open} (the first shard). */
    public Path path() {
        return path;
    }

    /** The opened files (shards in order). */
    public List<GgufFile> files() {
        return files;
    }

    /** Metadata of the first shard. */
    public Map<String, GgufValue> metadata() {
        return files.getFirst().metadata();
    }

    /** All tensors of all shards, by name. */
    public Map<String, GgufTensorInfo> tensors() {
        return tensors;
    }

    /** The tensor of that name, or null. */
    public GgufTensorInfo tensor(String name) {
        return tensors.get(name);
    }

    /** The file holding tensor {@code t}. */
    public Path fileOf(GgufTensorInfo t) {
        return fileOf.get(t.name()).path();
    }

    /** The bytes of tensor {@code t} (zero-copy). */
    public MemorySegment data(GgufTensorInfo t) {
        return fileOf.get(t.name()).data(t);
    }

    // ---- typed metadata

    /** Whether the key is present. */
    public boolean has(String key) {
        return metadata().containsKey(key);
    }

    /** The value of an integer key. */
    public long integer(String key) {
        GgufValue v = require(key, "an integer");
        if (!v.type().isInteger()) {
            throw wrongType(key, v, "an integer");
        }
        return (Long) v.value();
    }

    /** The value of an integer key, or {@code dflt} when absent. */
    public long integer(String key, long dflt) {
        return has(key) ? integer(key) : dflt;
    }

    /** The value of a float key (integers are accepted too). */
    public double number(String key) {
        GgufValue v = require(key, "a number");
        if (v.type().isFloat()) {
            return (Double) v.value();
        }
        if (v.type().isInteger()) {
            return (Long) v.value();
        }
        throw wrongType(key, v, "a number");
    }

    /** The value of a float key, or {@code dflt} when absent. */
    public double number(String key, double dflt) {
        return has(key) ? number(key) : dflt;
    }

    /** The value of a string key. */
    public String string(String key) {
        GgufValue v = require(key, "a string");
        if (v.type() != GgufValueType.STRING) {
            throw wrongType(key, v, "a string");
        }
        return (String) v.value();
    }

    /** The value of a boolean key, or {@code dflt} when absent. */
    public boolean bool(String key, boolean dflt) {
        GgufValue v = metadata().get(key);
        if (v == null) {
            return dflt;
        }
        if (v.type() != GgufValueType.BOOL) {
            throw wrongType(key, v, "a boolean");
        }
        return (Boolean) v.value();
    }

    /** The elements of an array key whose elements are of one of {@code types}. */
    public GgufValue.Array array(String key, GgufValueType... types) {
        GgufValue v = require(key, "an array");
        if (v.value() instanceof GgufValue.Array a) {
            for (GgufValueType t : types) {
                if (a.elementType() == t) {
                    return a;
                }
            }
            throw wrongType(key, v, "an array of " + java.util.Arrays.toString(types));
        }
        throw wrongType(key, v, "an array");
    }

    private GgufValue require(String key, String what) {
        GgufValue v = metadata().get(key);
        if (v == null) {
            throw new CheckpointException(path + ": missing metadata key '" + key + "' (expected " + what + ")");
        }
        return v;
    }

    private CheckpointException wrongType(String key, GgufValue v, String expected) {
        return new CheckpointException(path + ": metadata key '" + key + "' is " + v.describe() + ", expected " + expected);
    }

    /** Unmaps every shard; segments obtained from this model become invalid. */
    @Override
    public void close() {
        if (arena != null) {
            arena.close();
        }
    }
}
