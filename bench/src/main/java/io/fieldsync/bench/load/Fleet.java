package io.fieldsync.bench.load;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every device of a load run shares: the threads their actions run on, the model they feed,
 * the tally they count in, the run's settings, and whether the run is stopping. A device counts
 * itself {@link #busy} while it writes and pushes, so the run can wait until every write it made
 * reached the server.
 */
final class Fleet {
  final ScheduledExecutorService scheduler;
  final LoadModel model;
  final Tally tally;
  final LoadOptions options;
  final int schemaVersion;
  private final AtomicInteger busy = new AtomicInteger();
  private volatile boolean stopping;

  Fleet(
      ScheduledExecutorService scheduler,
      LoadModel model,
      Tally tally,
      LoadOptions options,
      int schemaVersion) {
    this.scheduler = scheduler;
    this.model = model;
    this.tally = tally;
    this.options = options;
    this.schemaVersion = schemaVersion;
  }

  boolean stopping() {
    return stopping;
  }

  /** No device starts a new round of writes from now on. */
  void stop() {
    stopping = true;
  }

  /**
   * Runs one round of a device's writes under the device's lock and counts it busy meanwhile, then
   * {@code next}; does nothing once the run is stopping.
   */
  void round(Object device, Runnable writes, Runnable next) {
    if (!begin()) {
      return;
    }
    try {
      synchronized (device) {
        writes.run();
      }
    } finally {
      end();
    }
    next.run();
  }

  private boolean begin() {
    busy.incrementAndGet();
    if (stopping) {
      busy.decrementAndGet();
      return false;
    }
    return true;
  }

  private void end() {
    busy.decrementAndGet();
  }

  /** Waits until no device is in a round of writes; false when {@code timeout} passed first. */
  boolean awaitIdle(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (busy.get() > 0) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(50);
    }
    return true;
  }

  int busy() {
    return busy.get();
  }

  /** Runs {@code action} after {@code millis}, counting a failure that escapes it. */
  void after(long millis, String what, Runnable action) {
    try {
      scheduler.schedule(
          () -> {
            try {
              action.run();
            } catch (RuntimeException e) {
              tally.error(what, e);
            }
          },
          Math.max(0, millis),
          TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // The run is over and its threads are gone: nothing is left to do.
    }
  }

  /** An exponentially distributed wait with this mean, as independent users' actions arrive. */
  static long exponential(SplittableRandom random, Duration mean) {
    return (long) (-Math.log(1 - random.nextDouble()) * mean.toMillis());
  }

  /** Waits before retry {@code attempt}: doubling from 100 ms up to 2 s, with jitter. */
  static void backOff(SplittableRandom random, int attempt) {
    long base = Math.min(2_000, 100L << Math.min(attempt, 5));
    try {
      Thread.sleep(base / 2 + random.nextLong(base / 2 + 1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting to retry", e);
    }
  }
}
