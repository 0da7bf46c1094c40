package io.fieldsync.server.admin;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves a node's {@link ActivityLog} every period, and once more at close; with a period of 0 it
 * never saves and the log stays in memory.
 */
public final class ActivityFlusher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ActivityFlusher.class);

  private final ActivityLog activity;
  private final ScheduledExecutorService executor;

  public ActivityFlusher(ActivityLog activity, long periodMillis) {
    this.activity = activity;
    if (periodMillis == 0) {
      this.executor = null;
      return;
    }
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "fieldsync-activity");
              thread.setDaemon(true);
              return thread;
            });
    executor.scheduleWithFixedDelay(this::flush, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
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
    if (executor == null) {
      return;
    }
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    flush();
  }
}
