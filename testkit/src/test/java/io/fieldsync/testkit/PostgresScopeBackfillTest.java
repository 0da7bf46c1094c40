package io.fieldsync.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.server.push.ScopeBackfill;
import io.fieldsync.store.SyncStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@link ScopeBackfillTest} with the server's store on a fresh PostgreSQL database, and nodes that
 * start together on it with the new schema.
 */
class PostgresScopeBackfillTest extends ScopeBackfillTest {
  private static final int NODES = 3;

  @Override
  ServerDatabase database() {
    return ServerDatabase.postgres(getClass().getSimpleName());
  }

  @SeededTest
  void nodesStartingTogetherWithTheNewSchemaMoveEachRowOnce(long seed) throws Exception {
    TestDevice office = server.device("office-pc");
    writeFamilies(office, new SplittableRandom(seed));
    long sequence = server.sequence(TestServer.TENANT);
    server.stop();
    Schema scoped = SchemaLoader.parse(FieldSurvey.withChildren(2, true));

    List<SyncStore> stores = new ArrayList<>();
    ExecutorService starts = Executors.newFixedThreadPool(NODES);
    Map<String, Long> moved = new TreeMap<>();
    try {
      for (int node = 0; node < NODES; node++) {
        stores.add(server.database().open(server.database().defaultOptions()));
      }
      CountDownLatch together = new CountDownLatch(NODES);
      List<Future<Map<String, Long>>> runs = new ArrayList<>();
      for (SyncStore store : stores) {
        runs.add(
            starts.submit(
                () -> {
                  together.countDown();
                  together.await();
                  Map<String, Long> mine = new TreeMap<>();
                  store.migrate(scoped, () -> mine.putAll(ScopeBackfill.run(store, scoped, 0)));
                  return mine;
                }));
      }
      for (Future<Map<String, Long>> run : runs) {
        run.get().forEach((table, count) -> moved.merge(table, count, Long::sum));
      }
    } finally {
      starts.shutdownNow();
      stores.forEach(SyncStore::close);
    }

    assertThat(moved)
        .as("the rows the nodes moved, all nodes together")
        .isEqualTo(
            Map.of("members", (long) members.size(), "vaccinations", (long) vaccinations.size()));
    assertThat(server.sequence(TestServer.TENANT))
        .isEqualTo(sequence + members.size() + vaccinations.size());
  }
}
