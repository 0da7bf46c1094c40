package io.fieldsync.bench;

import io.fieldsync.client.transport.HttpTransport;
import io.fieldsync.wire.Change;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Push throughput of the server: raw protocol devices push new records concurrently, {@link
 * Workload#PUSH_BATCH} per request, onto the server that already holds the data set.
 */
final class PushScenario {
  private final BenchOptions options;
  private final Results results;
  private final PrintStream log;
  private final RawPusher pusher;

  PushScenario(BenchOptions options, Results results, PrintStream log, RawPusher pusher) {
    this.options = options;
    this.results = results;
    this.log = log;
    this.pusher = pusher;
  }

  /** {@code devices} raw devices push their share of new records; returns the next unused block. */
  long run(
      BenchServer server, Dataset data, long firstBlock, int devices, String store, long records)
      throws Exception {
    int perDevice = Math.max(1, options.pushRecords() / devices);
    long blocksPerDevice = Dataset.blocks(perDevice);
    List<List<List<Change>>> work = new ArrayList<>();
    long fields = 0;
    long block = firstBlock;
    long hlc = pusher.hlc();
    for (int d = 0; d < devices; d++) {
      List<List<Change>> batches = new ArrayList<>();
      List<Change> batch = new ArrayList<>();
      for (long b = 0; b < blocksPerDevice; b++, block++) {
        for (Dataset.Row row : data.block(block)) {
          Change change = Dataset.insert(row, hlc);
          fields += change.getFieldsCount();
          batch.add(change);
          if (batch.size() == Workload.PUSH_BATCH) {
            batches.add(batch);
            batch = new ArrayList<>();
          }
        }
      }
      if (!batch.isEmpty()) {
        batches.add(batch);
      }
      work.add(batches);
    }
    List<HttpTransport> transports = new ArrayList<>();
    for (int d = 0; d < devices; d++) {
      transports.add(server.raw("pusher-" + d));
    }
    ExecutorService pool = Executors.newFixedThreadPool(devices);
    CountDownLatch start = new CountDownLatch(1);
    SplittableRandom batchIds = new SplittableRandom(options.seed() ^ block);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int d = 0; d < devices; d++) {
        HttpTransport transport = transports.get(d);
        List<List<Change>> batches = work.get(d);
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  for (List<Change> changes : batches) {
                    pusher.push(transport, changes, batchIds);
                  }
                  return null;
                }));
      }
      long retriedBefore = pusher.retried();
      long started = System.nanoTime();
      start.countDown();
      for (Future<?> future : done) {
        future.get();
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      long retried = pusher.retried() - retriedBefore;
      results.add("push_retried_requests", "requests", store, records, devices, null, retried);
      results.add(
          "push_field_changes_per_s",
          "field changes/s",
          store,
          records,
          devices,
          target(store, devices),
          fields / seconds);
      log.printf(
          "  push, %d devices: %,d field changes in %.2f s (%,.0f/s), %d requests retried after"
              + " a retriable failure%n",
          devices, fields, seconds, fields / seconds, retried);
    } finally {
      pool.shutdownNow();
    }
    return block;
  }

  private static Results.Target target(String store, int devices) {
    if (!store.equals("sqlite")) {
      return null;
    }
    return devices == 10
        ? new Results.Target(">= 400,000", v -> v >= 400_000)
        : new Results.Target(">= 50,000", v -> v >= 50_000);
  }
}
