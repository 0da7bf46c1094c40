package io.fieldsync.bench;

import io.fieldsync.client.SyncResult;

/** Ten syncs of an up-to-date device: requests, milliseconds and bytes of each. */
final class NoopScenario {
  private final Results results;

  NoopScenario(Results results) {
    this.results = results;
  }

  void run(BenchServer server, MeteredDevice device, String store, long records) {
    for (int i = 0; i < 10; i++) {
      long requests = device.transport().requests();
      long bytes = server.meter.up() + server.meter.down();
      long started = System.nanoTime();
      SyncResult result = device.client().syncNow();
      double millis = (System.nanoTime() - started) / 1e6;
      if (result.pushed() != 0 || result.pulled() != 0) {
        throw new IllegalStateException(
            "a no-op sync pushed " + result.pushed() + " and pulled " + result.pulled());
      }
      results.add(
          "noop_requests",
          "requests",
          store,
          records,
          1,
          new Results.Target("= 1", v -> v == 1),
          device.transport().requests() - requests);
      results.add("noop_ms", "ms", store, records, 1, null, millis);
      results.add(
          "noop_bytes",
          "bytes",
          store,
          records,
          1,
          null,
          server.meter.up() + server.meter.down() - bytes);
    }
  }
}
