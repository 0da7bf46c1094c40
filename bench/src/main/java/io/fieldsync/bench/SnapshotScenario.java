package io.fieldsync.bench;

import io.fieldsync.client.SyncResult;
import java.io.PrintStream;

/** A fresh device's first sync: the whole data set in pages, timed. */
final class SnapshotScenario {
  private final Results results;
  private final PrintStream log;

  SnapshotScenario(Results results, PrintStream log) {
    this.results = results;
    this.log = log;
  }

  void run(MeteredDevice device, String store, long records, long expected) {
    long started = System.nanoTime();
    SyncResult result = device.client().syncNow();
    double seconds = (System.nanoTime() - started) / 1e9;
    if (result.pulled() < expected) {
      throw new IllegalStateException(
          device.name() + " pulled " + result.pulled() + " records, expected " + expected);
    }
    results.add("snapshot_seconds", "s", store, records, 1, null, seconds);
    results.add(
        "snapshot_records_per_s",
        "records/s",
        store,
        records,
        1,
        records >= 1_000_000 ? new Results.Target(">= 100,000", v -> v >= 100_000) : null,
        result.pulled() / seconds);
    log.printf(
        "  snapshot %s: %,d records in %.2f s (%,.0f records/s)%n",
        device.name(), result.pulled(), seconds, result.pulled() / seconds);
  }
}
