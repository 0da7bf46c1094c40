package io.fieldsync.server.push;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A helper thread a push hands part of its own work to, so a lone device's push uses the second
 * core while the device waits for the answer. The push never waits for work the helper has not
 * started: {@link Handle#join} then does it on the calling thread (several devices pushing at once
 * keep every core busy on their own). The helper thread ends when idle. Thread-safe.
 */
final class SideWork {
  /** Items per piece of {@link #startPieces}: a millisecond or two of work. */
  static final int PIECE = 250;

  /**
   * From how many items the second half goes to the helper: below it the hand-over would cost about
   * what it saves.
   */
  private static final int SPLIT_FROM = 400;

  private final ThreadPoolExecutor helper =
      new ThreadPoolExecutor(
          1,
          1,
          10,
          TimeUnit.SECONDS,
          new LinkedBlockingQueue<>(),
          runnable -> {
            Thread thread = new Thread(runnable, "fieldsync-push-helper");
            thread.setDaemon(true);
            return thread;
          });

  SideWork() {
    helper.allowCoreThreadTimeOut(true);
  }

  /** Where the helper's share of {@code count} items starts: half way, or none below 400. */
  static int split(int count) {
    return count >= SPLIT_FROM ? count / 2 : count;
  }

  /**
   * Work queued for the helper, done exactly once: by the helper if it claims it first, else by
   * whoever joins it. (A {@link FutureTask} alone would not do: cancelling one that has started
   * succeeds and lets it run on, so both threads would do the work.)
   */
  static final class Handle<T> {
    private final Supplier<T> work;
    private final AtomicBoolean claimed = new AtomicBoolean();
    private final FutureTask<T> task;

    private Handle(Supplier<T> work) {
      this.work = work;
      this.task = new FutureTask<>(() -> claimed.compareAndSet(false, true) ? work.get() : null);
    }

    /** The work's result: the helper's (waiting for it if it is running) or computed here. */
    T join() {
      if (claimed.compareAndSet(false, true)) {
        return work.get(); // not started: doing it here is sooner than waiting in the queue
      }
      try {
        return task.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for the push helper", e);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException runtime) {
          throw runtime;
        }
        if (e.getCause() instanceof Error error) {
          throw error;
        }
        throw new IllegalStateException(e.getCause());
      }
    }
  }

  /** Work over a range of a batch's items, from (inclusive) to (exclusive). */
  interface RangeWork<T> {
    T run(int from, int to);
  }

  /**
   * Queues {@code work} over {@code from} to {@code to} in pieces of at most {@value #PIECE} items,
   * in order; the caller must join each. A helper slowed down (a busy machine) then holds the
   * caller up by one piece at most: the pieces it has not started the caller does itself.
   */
  <T> List<Handle<T>> startPieces(int from, int to, RangeWork<T> work) {
    List<Handle<T>> handles = new ArrayList<>();
    for (int start = from; start < to; start += PIECE) {
      int pieceFrom = start;
      int pieceTo = Math.min(to, start + PIECE);
      handles.add(start(() -> work.run(pieceFrom, pieceTo)));
    }
    return handles;
  }

  /** Queues {@code work} for the helper; the caller must {@link Handle#join} it. */
  <T> Handle<T> start(Supplier<T> work) {
    Handle<T> handle = new Handle<>(work);
    helper.execute(handle.task);
    return handle;
  }
}
