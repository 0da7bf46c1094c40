package io.fieldsync.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Live-ish convergence: both devices sync back to back in their own threads; the main thread writes
 * a household on A and waits until B's database shows it.
 */
final class ConvergenceScenario {
  private final BenchOptions options;
  private final Results results;
  private final Clock clock;

  ConvergenceScenario(BenchOptions options, Results results, Clock clock) {
    this.options = options;
    this.results = results;
    this.clock = clock;
  }

  void run(MeteredDevice a, MeteredDevice b, String store, long records) throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    ExecutorService loops = Executors.newFixedThreadPool(2);
    try {
      for (MeteredDevice device : List.of(a, b)) {
        loops.submit(
            () -> {
              while (running.get()) {
                try {
                  device.client().syncNow();
                } catch (RuntimeException e) {
                  failure.compareAndSet(null, e);
                  return;
                }
              }
            });
      }
      SplittableRandom random = new SplittableRandom(options.seed() + 7);
      try (Connection writer = a.client().connection();
          Connection reader = b.client().connection();
          PreparedStatement insert =
              writer.prepareStatement(
                  "INSERT INTO households (id, region, head_name) VALUES (?, 'north', 'probe')");
          PreparedStatement probe =
              reader.prepareStatement("SELECT 1 FROM households WHERE id = ?")) {
        for (int i = 0; i < options.convergenceSamples(); i++) {
          String id = Dataset.uuid7(clock.millis(), random);
          insert.setString(1, id);
          insert.executeUpdate();
          long started = System.nanoTime();
          long deadline = started + Duration.ofSeconds(60).toNanos();
          probe.setString(1, id);
          while (true) {
            try (ResultSet rows = probe.executeQuery()) {
              if (rows.next()) {
                break;
              }
            }
            if (failure.get() != null) {
              throw new IllegalStateException("a sync loop failed", failure.get());
            }
            if (System.nanoTime() > deadline) {
              throw new IllegalStateException(
                  "household " + id + " written on device-a did not reach device-b in 60 s");
            }
            Thread.sleep(1);
          }
          results.add(
              "convergence_ms", "ms", store, records, 2, null, (System.nanoTime() - started) / 1e6);
        }
      }
    } finally {
      running.set(false);
      loops.shutdown();
      loops.awaitTermination(2, TimeUnit.MINUTES);
    }
    if (failure.get() != null) {
      throw new IllegalStateException("a sync loop failed", failure.get());
    }
  }
}
