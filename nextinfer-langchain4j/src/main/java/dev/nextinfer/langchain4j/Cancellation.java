package dev.nextinfer.langchain4j;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A cancellation request for one turn, made from any thread. The runner registers what stops the generation
 * ({@link #onCancel}); a request made before that runs it as soon as it is registered.
 */
final class Cancellation {
    private static final Runnable NOTHING = () -> { };
    private final AtomicBoolean requested = new AtomicBoolean();
    private volatile Runnable action = NOTHING;

    /** Requests cancellation (idempotent). */
    void cancel() {
        if (requested.compareAndSet(false, true)) {
            action.run();
        }
    }

    /** Whether cancellation was requested. */
    boolean isRequested() {
        return requested.get();
    }

    /** What stops the running generation; run at once if cancellation was already requested. */
    void onCancel(Runnable stop) {
        action = stop == null ? NOTHING : stop;
        if (requested.get()) {
            action.run();
        }
    }
}
