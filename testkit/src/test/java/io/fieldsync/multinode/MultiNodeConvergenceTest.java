package io.fieldsync.multinode;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.store.StoreOptions;
import io.fieldsync.testkit.FaultyTransport;
import io.fieldsync.testkit.Replicas;
import io.fieldsync.testkit.SeededTest;
import io.fieldsync.testkit.ServerDatabase;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
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
 * every pull returned and demands the exact run 1…N per device. The server and every device must
 * also hold exactly the rows the model of the inserts says (every column of every household the
 * users inserted, as they inserted it).
 *
 * <p>Seeded ({@link SeededTest}): the seed is printed, and a failure names the command that replays
 * it.
 */
class MultiNodeConvergenceTest {
  private static final int NODES = 3;
  private static final int DEVICES = 16;
  private static final int ROUNDS = 8;
  private static final int MAX_INSERTS_PER_ROUND = 6;

  @TempDir Path dir;

  @SeededTest
  void everyDeviceReceivesEverySequenceOnceInOrderAndHoldsEveryChange(long seed) throws Exception {
    String replay = "seed " + seed;
    ExecutorService threads = Executors.newFixedThreadPool(DEVICES);
    try (TestServer server =
        TestServer.builder(dir)
            .schema(NodeSchema.YAML)
            .database(ServerDatabase.postgres("multinode"))
            .nodes(NODES)
            .storeOptions(new StoreOptions(6, 20_000))
            .start()) {
      List<TestDevice> devices = new ArrayList<>();
      List<FaultyTransport> recorders = new ArrayList<>();
      for (int d = 0; d < DEVICES; d++) {
        String name = "device-" + d;
        FaultyTransport recorder = new FaultyTransport(server.roundRobin(name, d));
        recorders.add(recorder);
        long deviceSeed = seed + d;
        devices.add(server.device(name, builder -> builder.transport(recorder).seed(deviceSeed)));
      }

      Map<String, Map<String, Object>> inserted = new ConcurrentHashMap<>();
      CyclicBarrier start = new CyclicBarrier(DEVICES);
      List<Future<?>> running = new ArrayList<>();
      for (int d = 0; d < DEVICES; d++) {
        TestDevice device = devices.get(d);
        SplittableRandom random = new SplittableRandom(seed * 31 + d);
        running.add(
            threads.submit(
                () -> {
                  start.await(30, TimeUnit.SECONDS);
                  for (int round = 0; round < ROUNDS; round++) {
                    int count = 1 + random.nextInt(MAX_INSERTS_PER_ROUND);
                    try (Connection db = device.client().connection();
                        PreparedStatement insert =
                            db.prepareStatement(
                                "INSERT INTO households (id, region, visits) VALUES (?, ?, ?)")) {
                      for (int i = 0; i < count; i++) {
                        String id = new UUID(random.nextLong(), random.nextLong()).toString();
                        String region = "r" + random.nextInt(5);
                        long visits = random.nextInt(100);
                        insert.setString(1, id);
                        insert.setString(2, region);
                        insert.setLong(3, visits);
                        insert.executeUpdate();
                        Map<String, Object> row = new TreeMap<>();
                        row.put("id", id);
                        row.put("region", region);
                        row.put("head_name", null);
                        row.put("visits", visits);
                        inserted.put(id, row);
                      }
                    }
                    device.sync();
                  }
                  return null;
                }));
      }
      for (Future<?> future : running) {
        future.get(90, TimeUnit.SECONDS);
      }
      // Quiescence: nobody writes any more; one more cycle each brings everything down.
      for (TestDevice device : devices) {
        assertThat(device.sync().pushed()).as(replay).isZero();
      }

      assertThat(households(server.snapshot()))
          .as("the server's households against the model, %s", replay)
          .isEqualTo(new TreeMap<>(inserted));
      long total = inserted.size();
      assertThat(server.store(2).currentSequence(TestServer.TENANT)).as(replay).isEqualTo(total);
      List<Long> expected = LongStream.rangeClosed(1, total).boxed().toList();
      for (int d = 0; d < DEVICES; d++) {
        List<Long> received = new ArrayList<>();
        for (FaultyTransport.Pull pull : recorders.get(d).pulls()) {
          received.addAll(pull.sequences());
        }
        // A device is not sent back its own writes: every other sequence arrives once, in order.
        Set<Long> own = new HashSet<>(recorders.get(d).written());
        List<Long> notOwn = expected.stream().filter(seq -> !own.contains(seq)).toList();
        assertThat(received.stream().filter(seq -> !own.contains(seq)).toList())
            .as(
                "sequences device-%d received over its %d pulls, %s",
                d, recorders.get(d).pulls().size(), replay)
            .isEqualTo(notOwn);
        assertThat(received)
            .as("in order, once each, %s", replay)
            .isSorted()
            .doesNotHaveDuplicates();
        assertThat(households(devices.get(d).snapshot()))
            .as("device-%d's households against the model, %s", d, replay)
            .isEqualTo(new TreeMap<>(inserted));
        assertThat(devices.get(d).client().status().cursor()).as(replay).isEqualTo(total);
      }
      for (TestDevice device : devices) {
        device.close();
      }
    } finally {
      threads.shutdownNow();
    }
  }

  /** The households of a replica, each row's columns in name order. */
  private static Map<String, Map<String, Object>> households(Replicas.Snapshot snapshot) {
    Map<String, Map<String, Object>> rows = new TreeMap<>();
    snapshot.rows("households").forEach((id, row) -> rows.put(id, new TreeMap<>(row)));
    return rows;
  }
}
