package io.fieldsync.bench;

import io.fieldsync.TransportException;
import io.fieldsync.client.transport.HttpTransport;
import io.fieldsync.schema.Schema;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pushes changes as a raw protocol client (no device database): the seeding of the server's data
 * set and the push-throughput devices. A retriable failure is retried with the same batch id, as a
 * device would, and counted.
 */
final class RawPusher {
  private static final int PUSH_ATTEMPTS = 10;

  private final Schema schema;
  private final Clock clock;
  private final long seed;

  /** Pushes the driver retried after a retriable failure (reported with push throughput). */
  private final AtomicLong retriedPushes = new AtomicLong();

  RawPusher(Schema schema, Clock clock, long seed) {
    this.schema = schema;
    this.clock = clock;
    this.seed = seed;
  }

  /**
   * Seeds the server through the real push API from one raw device in large batches; returns the
   * number of records the server holds.
   */
  long seed(
      BenchServer server,
      Dataset data,
      long blocks,
      String store,
      long records,
      Results results,
      PrintStream log) {
    HttpTransport seeder = server.raw("seeder");
    long started = System.nanoTime();
    long fields = 0;
    long count = 0;
    List<Change> batch = new ArrayList<>(Workload.SEED_BATCH);
    SplittableRandom batchIds = new SplittableRandom(seed);
    for (long b = 0; b < blocks; b++) {
      for (Dataset.Row row : data.block(b)) {
        Change change = Dataset.insert(row, hlc());
        fields += change.getFieldsCount();
        batch.add(change);
        count++;
        if (batch.size() == Workload.SEED_BATCH) {
          push(seeder, batch, batchIds);
          batch.clear();
        }
      }
    }
    if (!batch.isEmpty()) {
      push(seeder, batch, batchIds);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    results.add(
        "seed_field_changes_per_s", "field changes/s", store, records, 1, null, fields / seconds);
    results.add("seed_seconds", "s", store, records, 1, null, seconds);
    log.printf("  seeded %,d records (%,d field changes) in %.1f s%n", count, fields, seconds);
    return count;
  }

  /** An HLC the server accepts: now, in the {@code wallMillis << 16} layout. */
  long hlc() {
    return clock.millis() << 16;
  }

  long retried() {
    return retriedPushes.get();
  }

  /** Pushes one batch under a new batch id from {@code batchIds}; every change must apply. */
  void push(HttpTransport transport, List<Change> changes, SplittableRandom batchIds) {
    UUID batchId;
    synchronized (batchIds) {
      batchId = new UUID(batchIds.nextLong(), batchIds.nextLong());
    }
    PushRequest request =
        PushRequest.newBuilder()
            .setBatchId(batchId.toString())
            .setSchemaVersion(schema.version())
            .addAllChanges(changes)
            .setDeviceHlc(hlc())
            .build();
    PushResponse response = null;
    for (int attempt = 1; response == null; attempt++) {
      try {
        response = transport.push(request);
      } catch (TransportException e) {
        // A busy store answers 503; a device retries the same batch id, and so does the driver
        // (the retry is replayed or applied once, and its time counts).
        if (attempt == PUSH_ATTEMPTS) {
          throw e;
        }
        retriedPushes.incrementAndGet();
        sleepQuietly(50L * attempt);
      }
    }
    if (response.getApplied() != changes.size()) {
      throw new IllegalStateException(
          "the server applied "
              + response.getApplied()
              + " of "
              + changes.size()
              + " seeded changes (rejected "
              + response.getRejected()
              + "; first result: "
              + (response.getResultsCount() == 0 ? "none" : response.getResults(0))
              + ")");
    }
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting to retry a push", e);
    }
  }
}
