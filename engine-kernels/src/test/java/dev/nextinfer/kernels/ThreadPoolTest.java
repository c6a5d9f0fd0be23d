package dev.nextinfer.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Regions cover every index exactly once, failures surface on the caller, nesting runs inline, close degrades. */
class ThreadPoolTest {

    @Test
    void everyIndexOnceOverManyRegions() {
        try (ThreadPool pool = new ThreadPool(3)) {
            Random rnd = new Random(5);
            for (int region = 0; region < 2000; region++) {
                int n = 1 + rnd.nextInt(300);
                int grain = 1 + rnd.nextInt(40);
                int[] hits = new int[n];
                pool.parallelFor(n, grain, (a, b) -> {
                    for (int i = a; i < b; i++) {
                        hits[i]++;
                    }
                });
                int[] ones = new int[n];
                java.util.Arrays.fill(ones, 1);
                assertArrayEquals(ones, hits, "region " + region);
            }
        }
    }

    @Test
    void guidedRegionsCoverEveryIndexOnceInShrinkingPieces() {
        try (ThreadPool pool = new ThreadPool(3)) {
            Random rnd = new Random(6);
            for (int region = 0; region < 2000; region++) {
                int n = 1 + rnd.nextInt(3000);
                int grain = 1 + rnd.nextInt(40);
                int[] hits = new int[n];
                java.util.List<int[]> pieces = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
                pool.parallelForGuided(n, grain, (a, b) -> {
                    pieces.add(new int[] {a, b});
                    for (int i = a; i < b; i++) {
                        hits[i]++;
                    }
                });
                int[] ones = new int[n];
                java.util.Arrays.fill(ones, 1);
                assertArrayEquals(ones, hits, "region " + region);
                for (int[] p : pieces) {
                    int remaining = n - p[0]; // a piece takes max(grain, remaining / (2·threads)), or what is left
                    int want = Math.min(remaining, Math.max(grain, remaining / 6));
                    assertEquals(want, p[1] - p[0], "region " + region + " (n " + n + ", grain " + grain + "): piece at " + p[0]);
                }
            }
        }
    }

    @Test
    void aFailingGuidedPieceFailsTheRegionAndThePoolGoesOn() {
        try (ThreadPool pool = new ThreadPool(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.parallelForGuided(1000, 1, (a, b) -> {
                if (a <= 500 && 500 < b) {
                    throw new IllegalStateException("index 500");
                }
            }));
            assertEquals("index 500", e.getMessage());
            AtomicInteger sum = new AtomicInteger();
            pool.parallelForGuided(1000, 3, (a, b) -> sum.addAndGet(b - a));
            assertEquals(1000, sum.get());
        }
    }

    @Test
    void aFailingChunkFailsTheRegionAndThePoolGoesOn() {
        try (ThreadPool pool = new ThreadPool(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.parallelFor(100, 1, (a, b) -> {
                if (a == 37) {
                    throw new IllegalStateException("chunk 37");
                }
            }));
            assertEquals("chunk 37", e.getMessage());
            AtomicInteger sum = new AtomicInteger();
            pool.parallelFor(100, 7, (a, b) -> sum.addAndGet(b - a));
            assertEquals(100, sum.get());
        }
    }

    @Test
    void nestedRegionsRunInlineAndAClosedPoolRunsOnTheCaller() {
        ThreadPool pool = new ThreadPool(2);
        AtomicInteger inner = new AtomicInteger();
        pool.parallelFor(4, 1, (a, b) -> pool.parallelFor(10, 1, (c, d) -> inner.addAndGet(d - c)));
        assertEquals(40, inner.get());
        pool.close();
        Thread caller = Thread.currentThread();
        pool.parallelFor(10, 1, (a, b) -> assertEquals(caller, Thread.currentThread()));
    }
}
