package dev.nextinfer.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Stop strings across pieces: held back while they may still match, never emitted, released when they cannot. */
class StopStringFilterTest {

    @Test
    void matchSpanningPiecesIsCutAndNeverEmitted() {
        StopStringFilter f = new StopStringFilter(List.of("</s>"));
        assertEquals("a", f.accept("a<"));
        assertEquals("", f.accept("/"));
        assertFalse(f.stopped());
        assertEquals("", f.accept("s>b"));
        assertTrue(f.stopped());
        assertEquals("", f.accept("more"));
        assertEquals("", f.flush());
    }

    @Test
    void falseStartIsReleased() {
        StopStringFilter f = new StopStringFilter(List.of("abc"));
        assertEquals("x", f.accept("xab"));
        assertEquals("abd", f.accept("d"));
        assertEquals("", f.accept("a"));
        assertEquals("a", f.flush());
        assertFalse(f.stopped());
    }

    @Test
    void earliestOfSeveralStopsWins() {
        StopStringFilter f = new StopStringFilter(List.of("world", "lo w"));
        assertEquals("hel", f.accept("hello world"));
        assertTrue(f.stopped());
    }

    @Test
    void longestPossiblePrefixIsHeld() {
        StopStringFilter f = new StopStringFilter(List.of("aab", "b"));
        assertEquals("x", f.accept("xaa"));
        assertEquals("", f.accept("b"));
        assertTrue(f.stopped());
        assertEquals(2, StopStringFilter.suffixPrefixOverlap("xaa", "aab"));
        assertEquals(0, StopStringFilter.suffixPrefixOverlap("xaa", "b"));
    }

    @Test
    void noStopsPassesEverything() {
        StopStringFilter f = new StopStringFilter(List.of());
        assertEquals("abc", f.accept("abc"));
        assertEquals("", f.flush());
    }
}
