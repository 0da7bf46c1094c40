package io.fieldsync.multinode;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.SyncStores;
import io.fieldsync.store.postgres.testing.PostgresDatabaseExtension;
import io.fieldsync.store.postgres.testing.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three server nodes on one PostgreSQL database; sixteen devices (real SQLite files) insert and
 * sync concurrently, each talking to every node in turn (pushes and pulls round-robin).
 *
 * <p>The workload only inserts, so every committed sequence stays the sequence of one live record
 * for ever. A device that never misses a change therefore receives, over all its pulls, exactly 1,
 * 2, 3, … N in this order. A pull that saw {@code n + 1} before {@code n} was visible would move
 * the cursor past {@code n}: the device's stream would skip {@code n} (a gap, whether or not a
 * later commit "fills" it, the device would never be sent it). The checker records every sequence
 * every pull returned and demands the exact run 1…N per device.
 *
 * <p>Replay with {@code -Dfieldsync.seed=…} (the seed is printed and named in every failure).
 */
@ExtendWith(PostgresDatabaseExtension.class)
class MultiNodeConvergenceTest {
  private static final int NODES = 3;
  private static final int DEVICES = 16;
  private static final int ROUNDS = 8;
  private static final int MAX_INSERTS_PER_ROUND = 6;

  @TempDir Path dir;

  @Test
  void everyDeviceReceivesEverySequenceOnceInOrderAndHoldsEveryChange(TestDatabase database)
      throws Exception {
    long seed = Long.getLong("fieldsync.seed", System.nanoTime());
    String replay = "seed " + seed + " (replay with -Dfieldsync.seed=" + seed + ")";
    System.out.println("MultiNodeConvergenceTest " + replay);
    List<SyncStore> stores = new ArrayList<>();
    for (int node = 0; node < NODES; node++) {
      stores.add(SyncStores.open(database.location(), new StoreOptions(6, 20_000)));
    }
    ExecutorService threads = Executors.newFixedThreadPool(DEVICES);
    try (Cluster cluster = new Cluster(stores)) {
      List<FieldSyncClient> devices = new ArrayList<>();
      List<RecordingTransport> recorders = new ArrayList<>();
      for (int d = 0; d < DEVICES; d++) {
        String name = "device-" + d;
        List<Transport> nodes = new ArrayList<>();
        for (int node = 0; node < NODES; node++) {
          nodes.add(cluster.http(node, name));
        }
        RecordingTransport recorder = new RecordingTransport(new RoundRobinTransport(nodes, d));
        recorders.add(recorder);
        devices.add(Cluster.device(dir, name, recorder, seed + d));
      }

      Set<String> inserted = ConcurrentHashMap.newKeySet();
      CyclicBarrier start = new CyclicBarrier(DEVICES);
      List<Future<?>> running = new ArrayList<>();
      for (int d = 0; d < DEVICES; d++) {
        FieldSyncClient device = devices.get(d);
        SplittableRandom random = new SplittableRandom(seed * 31 + d);
        running.add(
            threads.submit(
                () -> {
                  start.await(30, TimeUnit.SECONDS);
                  for (int round = 0; round < ROUNDS; round++) {
                    int count = 1 + random.nextInt(MAX_INSERTS_PER_ROUND);
                    try (Connection db = device.connection();
                        PreparedStatement insert =
                            db.prepareStatement(
                                "INSERT INTO households (id, region, visits) VALUES (?, ?, ?)")) {
                      for (int i = 0; i < count; i++) {
                        String id = new UUID(random.nextLong(), random.nextLong()).toString();
                        insert.setString(1, id);
                        insert.setString(2, "r" + random.nextInt(5));
                        insert.setLong(3, random.nextInt(100));
                        insert.executeUpdate();
                        inserted.add(id);
                      }
                    }
                    device.syncNow();
                  }
                  return null;
                }));
      }
      for (Future<?> future : running) {
        future.get(90, TimeUnit.SECONDS);
      }
      // Quiescence: nobody writes any more; one more cycle each brings everything down.
      for (FieldSyncClient device : devices) {
        assertThat(device.syncNow().pushed()).as(replay).isZero();
      }

      long total = inserted.size();
      assertThat(stores.get(2).currentSequence(Cluster.TENANT)).as(replay).isEqualTo(total);
      List<Long> expected = LongStream.rangeClosed(1, total).boxed().toList();
      for (int d = 0; d < DEVICES; d++) {
        List<Long> received = new ArrayList<>();
        for (RecordingTransport.Pull pull : recorders.get(d).pulls) {
          received.addAll(pull.sequences());
        }
        // A device is not sent back its own writes: every other sequence arrives once, in order.
        Set<Long> own = new HashSet<>(recorders.get(d).written);
        List<Long> notOwn = expected.stream().filter(seq -> !own.contains(seq)).toList();
        assertThat(received.stream().filter(seq -> !own.contains(seq)).toList())
            .as(
                "sequences device-%d received over its %d pulls, %s",
                d, recorders.get(d).pulls.size(), replay)
            .isEqualTo(notOwn);
        assertThat(received)
            .as("in order, once each, %s", replay)
            .isSorted()
            .doesNotHaveDuplicates();
        assertThat(ids(devices.get(d)))
            .as("device-%d's households, %s", d, replay)
            .isEqualTo(new TreeSet<>(inserted));
        assertThat(devices.get(d).status().cursor()).as(replay).isEqualTo(total);
      }
      for (FieldSyncClient device : devices) {
        device.close();
      }
    } finally {
      threads.shutdownNow();
    }
  }

  private static Set<String> ids(FieldSyncClient device) throws Exception {
    Set<String> ids = new TreeSet<>();
    try (Connection db = device.connection();
        Statement statement = db.createStatement();
        ResultSet rows = statement.executeQuery("SELECT id FROM households")) {
      while (rows.next()) {
        ids.add(rows.getString(1));
      }
    }
    return ids;
  }
}
