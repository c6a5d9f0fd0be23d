package dev.nextinfer.core.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.checkpoint.ModelFiles;
import dev.nextinfer.core.checkpoint.SourceTensor;
import dev.nextinfer.core.weights.TensorPlan;
import dev.nextinfer.kernels.Matrix;
import dev.nextinfer.kernels.Q4_KMatrix;
import dev.nextinfer.kernels.Q6_KMatrix;
import dev.nextinfer.kernels.Q8_0Matrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Tensors used in place reach the kernels as segments of arena memory's class, not as slices of the file mapping:
 * the JDK's vector loads share one type profile, and fed both classes every kernel ran about 2× slower
 * ({@code Segments.plain}; docs/performance.md, "One segment class").
 */
class InPlaceSegmentsTest {

    @ParameterizedTest
    @ValueSource(strings = {"Q8_0", "Q4_K_M"})
    void matricesUsedInPlaceAreNotMappedSegments(String variant) {
        Class<?> arenaClass;
        try (Arena arena = Arena.ofConfined()) {
            arenaClass = arena.allocate(8).getClass();
        }
        try (ModelFiles gguf = ModelFiles.open(GgufFixtures.file(variant))) {
            int checked = 0;
            for (TensorPlan.TensorSpec spec : TensorPlan.list(gguf.config(), true)) {
                if (spec.kind() == TensorPlan.Kind.VECTOR) {
                    continue;
                }
                SourceTensor t = gguf.tensors().tensor(spec.name());
                Matrix m = t.matrix(spec.rows(), spec.cols());
                MemorySegment seg = m instanceof Q8_0Matrix q ? q.segment()
                        : m instanceof Q4_KMatrix q ? q.segment()
                        : m instanceof Q6_KMatrix q ? q.segment() : null;
                if (seg == null) {
                    continue;
                }
                assertFalse(seg.isMapped(), spec.name() + " reaches the kernels as a mapped segment");
                assertEquals(arenaClass, seg.getClass(), spec.name());
                assertTrue(seg.isReadOnly(), spec.name() + ": a read-only mapping stays read-only");
                checked++;
            }
            assertTrue(checked > 20, "checked " + checked + " matrices");
        }
    }
}
