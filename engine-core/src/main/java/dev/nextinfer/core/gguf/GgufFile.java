package dev.nextinfer.core.gguf;

import dev.nextinfer.core.checkpoint.CheckpointException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Map;

/**
 * One GGUF file, mapped read-only: its metadata and tensor infos (checked by {@link GgufParser}) and zero-copy
 * views of tensor data. The mapping lives in the arena given to {@link #open}.
 */
public final class GgufFile {
    private final Path path;
    private final MemorySegment mapping;
    private final GgufParser.Header header;

    private GgufFile(Path path, MemorySegment mapping, GgufParser.Header header) {
        this.path = path;
        this.mapping = mapping;
        this.header = header;
    }

    /**
     * Maps and parses {@code path} in {@code arena}.
     *
     * @throws CheckpointException with a one-line message naming the file and what is wrong
     */
    public static GgufFile open(Path path, Arena arena) {
        if (!Files.isRegularFile(path)) {
            throw new CheckpointException(path + ": " + (Files.exists(path) ? "not a regular file" : "no such file"));
        }
        MemorySegment map;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) {
                throw new CheckpointException(path + ": empty file (expected a GGUF file)");
            }
            map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(path + ": no such file");
        } catch (AccessDeniedException e) {
            throw new CheckpointException(path + ": permission denied");
        } catch (IOException e) {
            throw new CheckpointException(path + ": cannot map: " + e.getMessage(), e);
        }
        return new GgufFile(path, map, GgufParser.parse(path.toString(), map));
    }

    /** A file's bytes already in memory, named {@code path} in errors (the fuzz tests' entry; checks as {@link #open}). */
    static GgufFile of(Path path, MemorySegment bytes) {
        if (bytes.byteSize() == 0) {
            throw new CheckpointException(path + ": empty file (expected a GGUF file)");
        }
        return new GgufFile(path, bytes, GgufParser.parse(path.toString(), bytes));
    }

    /** The file. */
    public Path path() {
        return path;
    }

    /** GGUF version (2 or 3). */
    public int version() {
        return header.version();
    }

    /** Alignment of tensor data in bytes ({@code general.alignment}, default 32). */
    public int alignment() {
        return header.alignment();
    }

    /** All metadata, in file order. */
    public Map<String, GgufValue> metadata() {
        return Collections.unmodifiableMap(header.metadata());
    }

    /** All tensor infos by name, in file order. */
    public Map<String, GgufTensorInfo> tensors() {
        return Collections.unmodifiableMap(header.tensors());
    }

    /** Byte offset of the data section in the file. */
    public long dataStart() {
        return header.dataStart();
    }

    /** The bytes of tensor {@code t} of this file (zero-copy). */
    public MemorySegment data(GgufTensorInfo t) {
        return mapping.asSlice(header.dataStart() + t.offset(), t.bytes());
    }
}
