package io.fieldsync.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.store.PullPage;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.SyncStores;
import io.fieldsync.store.postgres.testing.PostgresDatabaseExtension;
import io.fieldsync.store.postgres.testing.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Several store instances on one database stand in for several server nodes. Writers of one tenant
 * push through every node while readers pull through every node; each reader checks that the
 * sequences it receives are exactly 1, 2, 3, … — a pull that saw {@code n + 1} before {@code n} was
 * visible would show up as a gap that a later pull filled (or never filled).
 */
@ExtendWith(PostgresDatabaseExtension.class)
class ConcurrentNodesTest {

  private static final int NODES = 3;
  private static final int WRITERS = 8;
  private static final int PUSHES_PER_WRITER = 40;
  private static final int READERS = 4;

  @Test
  void concurrentPullsNeverSeeAGapThatIsFilledLater(TestDatabase database) throws Exception {
    long seed = System.nanoTime();
    System.out.println("ConcurrentNodesTest seed " + seed);
    List<SyncStore> nodes = new ArrayList<>();
    for (int node = 0; node < NODES; node++) {
      SyncStore store = SyncStores.open(database.location(), new StoreOptions(6, 10_000));
      store.migrate(SchemaLoader.parse(PostgresStoreTest.SCHEMA_V1));
      nodes.add(store);
    }
    ExecutorService threads = Executors.newFixedThreadPool(WRITERS + READERS + 1);
    AtomicBoolean writing = new AtomicBoolean(true);
    ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    try {
      // A second tenant writes at the same time: its sequence must not disturb the first's.
      List<Future<?>> writers = new ArrayList<>();
      for (int writer = 0; writer <= WRITERS; writer++) {
        String tenant = writer == WRITERS ? "globex" : "acme";
        Random random = new Random(seed + writer);
        writers.add(threads.submit(() -> push(nodes, tenant, random)));
      }
      List<Future<Long>> readers = new ArrayList<>();
      for (int reader = 0; reader < READERS; reader++) {
        Random random = new Random(seed - reader - 1);
        int id = reader;
        readers.add(
            threads.submit(() -> follow(nodes, random, writing, violations, "reader " + id)));
      }
      for (Future<?> writer : writers) {
        writer.get(2, TimeUnit.MINUTES);
      }
      writing.set(false);
      long expected = nodes.get(0).currentSequence("acme");
      for (Future<Long> reader : readers) {
        assertThat(reader.get(2, TimeUnit.MINUTES)).as("reader's final cursor").isEqualTo(expected);
      }
      assertThat(violations).as("seed " + seed).isEmpty();
      assertThat(expected).isEqualTo((long) WRITERS * PUSHES_PER_WRITER * 2);
      assertThat(nodes.get(1).currentSequence("globex")).isEqualTo(PUSHES_PER_WRITER * 2L);
    } finally {
      threads.shutdownNow();
      nodes.forEach(SyncStore::close);
    }
  }

  /** Pushes of two new records each, through a random node, with random think time inside. */
  private static void push(List<SyncStore> nodes, String tenant, Random random) {
    for (int push = 0; push < PUSHES_PER_WRITER; push++) {
      SyncStore node = nodes.get(random.nextInt(nodes.size()));
      int pause = random.nextInt(3);
      node.write(
          tenant,
          transaction -> {
            for (int i = 0; i < 2; i++) {
              long seq = transaction.nextSequence();
              String id = new UUID(random.nextLong(), random.nextLong()).toString();
              transaction.save(PostgresStoreTest.record("samples", id, seq, Map.of("count", seq)));
              sleep(pause);
            }
            return null;
          });
    }
  }

  /**
   * Pulls small pages through random nodes until the writers are done and it has caught up; every
   * record must carry exactly the next sequence after the previous one. Returns the final cursor.
   */
  private static long follow(
      List<SyncStore> nodes,
      Random random,
      AtomicBoolean writing,
      ConcurrentLinkedQueue<String> violations,
      String name) {
    long cursor = 0;
    while (true) {
      boolean stillWriting = writing.get();
      SyncStore node = nodes.get(random.nextInt(nodes.size()));
      PullPage page = node.pull("acme", cursor, 1 + random.nextInt(9));
      for (StoredRecord record : page.records()) {
        if (record.seq() != cursor + 1) {
          violations.add(
              name + " at cursor " + cursor + " received sequence " + record.seq() + " next");
        }
        cursor = record.seq();
      }
      if (page.sequence() < cursor) {
        violations.add(
            name
                + " got a page up to "
                + cursor
                + " whose snapshot sequence is "
                + page.sequence());
      }
      if (!stillWriting && page.records().isEmpty()) {
        return cursor;
      }
    }
  }

  private static void sleep(int millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
