package dev.nextinfer.core.safetensors;

import dev.nextinfer.core.checkpoint.CheckpointException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The tensors of a checkpoint folder: one {@code model.safetensors}, or shards listed by
 * {@code model.safetensors.index.json}, or (without an index) every {@code *.safetensors} file in the folder.
 * Files stay mapped until {@link #close()}.
 */
public final class Checkpoint implements AutoCloseable {
    /** The Hugging Face name of the shard index. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Path dir;
    private final Arena arena;
    private final List<SafetensorsFile> files;
    private final Map<String, TensorInfo> tensors;
    private final Map<Path, SafetensorsFile> byPath;

    private Checkpoint(Path dir, Arena arena, List<SafetensorsFile> files, Map<String, TensorInfo> tensors) {
        this.dir = dir;
        this.arena = arena;
        this.files = files;
        this.tensors = tensors;
        this.byPath = new LinkedHashMap<>();
        for (SafetensorsFile f : files) {
            byPath.put(f.path(), f);
        }
    }

    /** Opens and validates every weight file of {@code dir}. */
    public static Checkpoint open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(dir + ": not a directory (expected a checkpoint folder)");
        }
        Arena arena = Arena.ofShared();
        try {
            Path index = dir.resolve(INDEX_FILE);
            List<SafetensorsFile> files = new ArrayList<>();
            Map<String, TensorInfo> tensors = new TreeMap<>();
            if (Files.exists(index)) {
                Map<String, String> weightMap = readIndex(index);
                Map<String, SafetensorsFile> opened = new LinkedHashMap<>();
                for (Map.Entry<String, String> e : weightMap.entrySet()) {
                    String shard = e.getValue();
                    Path p = shardPath(dir, index, shard, e.getKey());
                    if (!Files.isRegularFile(p)) {
                        throw new CheckpointException(index + ": shard '" + shard + "' (for tensor '" + e.getKey() + "') does not exist");
                    }
                    SafetensorsFile f = opened.computeIfAbsent(shard, s -> SafetensorsFile.open(p, arena));
                    TensorInfo t = f.tensors().get(e.getKey());
                    if (t == null) {
                        throw new CheckpointException(index + ": lists tensor '" + e.getKey() + "' in '" + shard + "', which has no such tensor");
                    }
                    tensors.put(e.getKey(), t);
                }
                files.addAll(opened.values());
            } else {
                List<Path> paths = new ArrayList<>();
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.safetensors")) {
                    ds.forEach(paths::add);
                }
                Collections.sort(paths);
                if (paths.isEmpty()) {
                    throw new CheckpointException(dir + ": no *.safetensors files and no " + INDEX_FILE);
                }
                for (Path p : paths) {
                    SafetensorsFile f = SafetensorsFile.open(p, arena);
                    files.add(f);
                    for (TensorInfo t : f.tensors().values()) {
                        TensorInfo prev = tensors.put(t.name(), t);
                        if (prev != null) {
                            throw new CheckpointException(p + ": tensor '" + t.name() + "' also appears in " + prev.file().getFileName());
                        }
                    }
                }
            }
            return new Checkpoint(dir, arena, List.copyOf(files), Collections.unmodifiableMap(tensors));
        } catch (IOException e) {
            arena.close();
            throw new CheckpointException(dir + ": cannot list files: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Map<String, String> readIndex(Path index) throws IOException {
        byte[] bytes = Files.readAllBytes(index);
        return parseIndex(index, bytes);
    }

    /**
     * The file inside {@code dir} that an index entry names: a plain file name (no separator, no NUL, not "." or
     * ".."), else a {@link CheckpointException}; the index cannot point outside the folder.
     */
    static Path shardPath(Path dir, Path index, String shard, String tensor) {
        if (shard.isEmpty() || shard.equals(".") || shard.equals("..") || shard.indexOf('/') >= 0
                || shard.indexOf('\\') >= 0 || shard.indexOf('\0') >= 0) {
            throw new CheckpointException(index + ": shard name '" + shard + "' for tensor '" + tensor + "' is not a plain file name");
        }
        Path p;
        try {
            p = dir.resolve(shard).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            throw new CheckpointException(index + ": shard name '" + shard + "' for tensor '" + tensor + "' is not a valid file name");
        }
        if (!p.startsWith(dir.normalize())) {
            throw new CheckpointException(index + ": shard name '" + shard + "' for tensor '" + tensor + "' is not a plain file name");
        }
        return p;
    }

    /** The {@code weight_map} of an index file's bytes (tensor name → shard file name), validated. */
    static Map<String, String> parseIndex(Path index, byte[] bytes) {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (java.io.IOException e) {
            String m = e instanceof com.fasterxml.jackson.core.JacksonException j ? j.getOriginalMessage() : e.getMessage();
            throw new CheckpointException(index + ": not valid JSON: " + m);
        }
        JsonNode wm = root == null ? null : root.get("weight_map");
        if (wm == null || !wm.isObject()) {
            throw new CheckpointException(index + ": missing 'weight_map' object (tensor name → shard file)");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = wm.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new CheckpointException(index + ": weight_map entry '" + e.getKey() + "' must be a file name string");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    /** The checkpoint folder. */
    public Path dir() {
        return dir;
    }

    /** All tensor names. */
    public Set<String> names() {
        return tensors.keySet();
    }

    /** Whether a tensor of that name exists. */
    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /** The header entry of {@code name}, or null. */
    public TensorInfo info(String name) {
        return tensors.get(name);
    }

    /** The bytes of tensor {@code t} (zero-copy). */
    public MemorySegment data(TensorInfo t) {
        return byPath.get(t.file()).data(t);
    }

    /** The {@code __metadata__} of the file holding {@code t}. */
    public Map<String, String> metadataOf(TensorInfo t) {
        return byPath.get(t.file()).metadata();
    }

    /** The opened files. */
    public List<SafetensorsFile> files() {
        return files;
    }

    /** Total bytes of tensor data. */
    public long totalBytes() {
        long n = 0;
        for (TensorInfo t : tensors.values()) {
            n += t.byteSize();
        }
        return n;
    }

    /** The arena that owns the mappings (and may own derived weights). */
    public Arena arena() {
        return arena;
    }

    /** Unmaps the files; segments obtained from this checkpoint become invalid. */
    @Override
    public void close() {
        arena.close();
    }
}
