package io.fieldsync.server.admin;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Saves a node's {@link ActivityLog} every {@link #PERIOD_MILLIS}, and once more at close. */
public final class ActivityFlusher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ActivityFlusher.class);

  /** How often a node saves what it saw of devices. */
  public static final long PERIOD_MILLIS = 5_000;

  private final ActivityLog activity;
  private final ScheduledExecutorService executor;

  public ActivityFlusher(ActivityLog activity) {
    this.activity = activity;
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "fieldsync-activity");
              thread.setDaemon(true);
              return thread;
            });
    executor.scheduleWithFixedDelay(
        this::flush, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
  }

  private void flush() {
    try {
      activity.flush();
    } catch (RuntimeException e) {
      log.warn("saving device activity failed: {}", e.toString());
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    flush();
  }
}
