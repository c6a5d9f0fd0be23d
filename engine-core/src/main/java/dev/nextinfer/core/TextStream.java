package dev.nextinfer.core;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A generation running on a background thread, read as an {@link Iterator} (or a {@link Stream}) of text pieces,
 * then {@link #result()}. The generating thread hands pieces over through a bounded queue, so a slow reader slows
 * the generation down rather than buffering without limit. {@link #close()} (also a {@code Stream}'s
 * {@code close()}, e.g. at the end of try-with-resources) cancels the generation if it is still running and waits
 * for it to stop. Errors of the generation are rethrown by {@code hasNext()}/{@code next()}/{@code result()}.
 *
 * <pre>{@code
 * try (TextStream<GenerationResult> s = session.stream("Once upon a time", config)) {
 *     s.forEachRemaining(piece -> System.out.print(piece.text()));
 *     System.out.println(s.result().finishReason());
 * }
 * }</pre>
 *
 * One reader thread at a time.
 *
 * @param <R> the final result: {@link GenerationResult} or {@link ChatResponse}
 */
public final class TextStream<R> implements Iterator<TextPiece>, AutoCloseable {
    private static final Object END = new Object();

    /** The generation to run: given the listener to feed and a "closed" flag to treat as a cancel request. */
    @FunctionalInterface
    interface Producer<R> {
        R run(GenerationListener listener, BooleanSupplier closed);
    }

    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(64);
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile R result;
    private volatile Throwable failure;
    private TextPiece next;
    private boolean ended;

    private TextStream() {
    }

    static <R> TextStream<R> start(Producer<R> producer) {
        TextStream<R> s = new TextStream<>();
        Thread.ofPlatform().daemon().name("nextinfer-stream").start(() -> s.produce(producer));
        return s;
    }

    private void produce(Producer<R> producer) {
        try {
            result = producer.run(piece -> {
                if (!closed.get()) {
                    put(piece);
                }
            }, closed::get);
        } catch (Throwable e) {
            failure = e;
        } finally {
            put(END);
        }
    }

    private void put(Object o) {
        boolean interrupted = false;
        while (true) {
            try {
                queue.put(o);
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private Object take() {
        try {
            return queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed.set(true);
            throw new NextInferException("interrupted while waiting for generated text", e);
        }
    }

    @Override
    public boolean hasNext() {
        if (next != null) {
            return true;
        }
        if (ended) {
            return false;
        }
        Object o = take();
        if (o == END) {
            ended = true;
            rethrow();
            return false;
        }
        next = (TextPiece) o;
        return true;
    }

    @Override
    public TextPiece next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        TextPiece p = next;
        next = null;
        return p;
    }

    /** The remaining pieces as a sequential stream; closing it closes this. */
    public Stream<TextPiece> stream() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED | Spliterator.NONNULL), false)
                .onClose(this::close);
    }

    /** Waits for the end of the generation (skipping pieces not read yet) and returns its result. */
    public R result() {
        while (hasNext()) {
            next();
        }
        rethrow();
        return result;
    }

    /** Cancels the generation if it is still running and waits until it has stopped. */
    @Override
    public void close() {
        closed.set(true);
        while (!ended) {
            if (take() == END) {
                ended = true;
            }
        }
        next = null;
    }

    private void rethrow() {
        Throwable f = failure;
        if (f instanceof RuntimeException re) {
            throw re;
        }
        if (f instanceof Error e) {
            throw e;
        }
        if (f != null) {
            throw new NextInferException(f.toString(), f);
        }
    }
}
