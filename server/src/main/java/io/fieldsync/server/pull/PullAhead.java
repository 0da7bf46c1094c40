package io.fieldsync.server.pull;

import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prepares the page a device will ask for next while it takes the current one: a device pulling
 * many pages asks for each as soon as the one before arrives, so the server's work on a page no
 * longer waits for the response to cross the network and the next request to come back.
 *
 * <p>One page per device at most. A page is handed out only for a request equal to the one it was
 * prepared for (same token claims, same request, same answer format), only once, and only within
 * {@link #MAX_AGE_MILLIS} of being scheduled; anything else is computed afresh. A prepared page is
 * what a pull at its preparation time answers, which is as correct as any pull: changes committed
 * later carry higher sequences and come with a later page. Failures are not handed out: the request
 * is then computed afresh and fails (or not) on its own.
 *
 * <p>Thread-safe.
 */
public final class PullAhead<K, V> implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PullAhead.class);

  /** A page older than this is dropped: the device paused, and a fresh page is worth the work. */
  static final long MAX_AGE_MILLIS = 10_000;

  /** Devices with a page in preparation at once; more are served without preparation. */
  static final int MAX_DEVICES = 256;

  private record Slot<K, V>(K key, Task<V> task, long scheduledAt) {}

  /** A task that knows whether it has started, so a request never waits behind a queued one. */
  private static final class Task<V> extends FutureTask<V> {
    private final AtomicBoolean started = new AtomicBoolean();

    Task(Supplier<V> work) {
      super(work::get);
    }

    @Override
    public void run() {
      if (started.compareAndSet(false, true)) {
        super.run();
      }
    }

    /** Cancels the task unless it has started; true when it will never run. */
    boolean abandonIfWaiting() {
      return started.compareAndSet(false, true) && cancel(false);
    }
  }

  private final ThreadPoolExecutor executor;
  private final LongSupplier clock;
  private final Map<String, Slot<K, V>> slots = new ConcurrentHashMap<>();

  /**
   * @param threads how many pages may be prepared at once
   * @param clock milliseconds, for the age of prepared pages
   */
  PullAhead(int threads, LongSupplier clock) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, found " + threads);
    }
    this.clock = clock;
    this.executor =
        new ThreadPoolExecutor(
            threads,
            threads,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(MAX_DEVICES),
            runnable -> {
              Thread thread = new Thread(runnable, "fieldsync-pull-ahead");
              thread.setDaemon(true);
              return thread;
            });
    executor.allowCoreThreadTimeOut(true);
  }

  /**
   * The page prepared for exactly this request, waiting for it if it is being prepared; null when
   * there is none (then the caller computes it). Either way the device's slot is emptied.
   */
  V take(String device, K key) {
    Slot<K, V> slot = slots.remove(device);
    if (slot == null) {
      return null;
    }
    if (!slot.key().equals(key) || clock.getAsLong() - slot.scheduledAt() > MAX_AGE_MILLIS) {
      slot.task().cancel(false);
      return null;
    }
    if (slot.task().abandonIfWaiting()) {
      return null; // still queued behind other devices' pages: computing it now is sooner
    }
    try {
      return slot.task().get();
    } catch (ExecutionException e) {
      log.debug("a page prepared ahead failed; computing it afresh: {}", e.getCause().toString());
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (CancellationException e) {
      return null;
    }
  }

  /** Starts preparing the answer to {@code key}, the device's likely next request. */
  void prepare(String device, K key, Supplier<V> work) {
    Objects.requireNonNull(key, "key");
    long now = clock.getAsLong();
    if (slots.size() >= MAX_DEVICES) {
      dropOlderThan(now - MAX_AGE_MILLIS);
      if (slots.size() >= MAX_DEVICES) {
        return;
      }
    }
    Task<V> task = new Task<>(work);
    Slot<K, V> previous = slots.put(device, new Slot<>(key, task, now));
    if (previous != null) {
      previous.task().cancel(false);
    }
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      slots.remove(device, new Slot<>(key, task, now));
      task.cancel(false);
    }
  }

  /** Whether the device's page has been prepared, or its preparation ended (for tests). */
  boolean isReady(String device) {
    Slot<K, V> slot = slots.get(device);
    return slot != null && slot.task().isDone();
  }

  /** How many devices have a page prepared or in preparation (for tests). */
  int prepared() {
    return slots.size();
  }

  private void dropOlderThan(long oldest) {
    for (Iterator<Slot<K, V>> it = slots.values().iterator(); it.hasNext(); ) {
      Slot<K, V> slot = it.next();
      if (slot.scheduledAt() < oldest) {
        slot.task().cancel(false);
        it.remove();
      }
    }
  }

  /** Stops preparing; pages in preparation are abandoned. */
  @Override
  public void close() {
    executor.shutdownNow();
    slots.clear();
  }
}
