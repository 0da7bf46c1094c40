package io.fieldsync.cli.kill;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.SyncException;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.SyncResult;
import io.fieldsync.client.transport.FailoverTransport;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.SyncStore;
import io.fieldsync.testkit.FaultyTransport;
import io.fieldsync.testkit.Replicas;
import io.fieldsync.testkit.SeededTest;
import io.fieldsync.testkit.ServerDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of {@code fieldsync server} processes while devices push and pull through them,
 * at seeded moments, then a restart: on a SQLite store (one node) and on PostgreSQL (three nodes on
 * one database, one to all three killed at once). Devices are real clients on real files in this
 * JVM, their users writing plain SQL and syncing in a loop on threads of their own.
 *
 * <p>After each kill, in the store: {@code integrity_check} passes (SQLite), the sequence has no
 * gap, and every batch a device had an answer for is there. At the end, once every device synced
 * cleanly: every replica, devices and server, holds exactly the {@link Ledger} of what the users
 * did, so every {@code sum} is its start plus every increment once.
 *
 * <p>{@value #ITERATIONS} sets the kills per store (default {@value #BUILD_ITERATIONS}); see
 * docs/testing.md for the deep run.
 */
class ServerKillTest {
  static final String ITERATIONS = "fieldsync.kill.iterations";
  private static final int BUILD_ITERATIONS = 3;
  private static final int DEVICES = 3;

  @TempDir Path dir;

  @SeededTest
  void killedSqliteServerKeepsEveryAnsweredBatchAndConverges(long seed) throws Exception {
    run(seed, ServerDatabase.sqlite(dir.resolve("store.db")), 1);
  }

  @SeededTest
  void killedNodesOfThreeOnPostgresKeepEveryAnsweredBatchAndConverge(long seed) throws Exception {
    try (ServerDatabase database = ServerDatabase.postgres("ServerKillTest")) {
      run(seed, database, 3);
    }
  }

  static int iterations() {
    return Integer.getInteger(ITERATIONS, BUILD_ITERATIONS);
  }

  private void run(long seed, ServerDatabase database, int nodeCount) throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    Schema schema = SchemaLoader.parse(Ledger.SCHEMA);
    Ledger ledger = new Ledger();
    StoreChecks store = new StoreChecks(database, ServerNodes.TENANT);
    List<SyncingDevice> devices = new ArrayList<>();
    int kills = 0;
    long restarting = 0;
    long started = System.nanoTime();
    try (ServerNodes nodes = new ServerNodes(dir, database, nodeCount).startAll()) {
      List<String> counters = DeviceUser.counterIds(random, 4);
      for (int i = 0; i < DEVICES; i++) {
        devices.add(
            SyncingDevice.initialize(
                dir.resolve("device-" + i + ".db"),
                "device-" + i,
                nodes,
                ledger,
                counters,
                random.nextLong()));
      }
      devices.get(0).user().createCounters();
      for (SyncingDevice device : devices) {
        device.client().syncNow();
      }

      AtomicBoolean stop = new AtomicBoolean();
      ExecutorService pool = Executors.newFixedThreadPool(DEVICES);
      List<Future<?>> loops = new ArrayList<>();
      for (SyncingDevice device : devices) {
        loops.add(pool.submit(() -> device.loop(stop)));
      }
      try {
        for (int iteration = 0; iteration < iterations(); iteration++) {
          awaitSyncs(devices, 1 + random.nextInt(6 * DEVICES));
          Thread.sleep(random.nextInt(300));
          List<Integer> victims = victims(random, nodeCount);
          for (int node : victims) {
            nodes.kill(node);
          }
          kills += victims.size();
          store.check(answered(devices), "after kill " + (iteration + 1) + " of nodes " + victims);
          long restart = System.nanoTime();
          for (int node : victims) {
            nodes.start(node);
          }
          restarting += System.nanoTime() - restart;
        }
      } finally {
        stop.set(true);
        pool.shutdown();
        assertThat(pool.awaitTermination(120, TimeUnit.SECONDS)).isTrue();
      }
      for (Future<?> loop : loops) {
        loop.get();
      }
      syncUntilQuiet(devices);
      store.check(answered(devices), "at the end");
    }
    try (SyncStore opened = database.open(StoreOptions.DEFAULTS)) {
      opened.migrate(schema);
      ledger.assertHeldBy(Replicas.server(opened, ServerNodes.TENANT, schema), "the server");
    }
    for (SyncingDevice device : devices) {
      device.client().close();
      device.user().close();
      ledger.assertHeldBy(Replicas.device(device.file(), schema), device.name());
    }
    System.out.printf(
        "%d server kills on %s (%d node%s) in %d s (%d s restarting): %d user writes, %d syncs"
            + " answered, %d failed while nodes were down, %d batches answered%n",
        kills,
        database,
        nodeCount,
        nodeCount == 1 ? "" : "s",
        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started),
        TimeUnit.NANOSECONDS.toSeconds(restarting),
        ledger.writes(),
        synced(devices),
        devices.stream().mapToLong(device -> device.failed().get()).sum(),
        answered(devices).values().stream().mapToInt(Set::size).sum());
  }

  /** One node of one; of three, mostly one, sometimes two, now and then all three. */
  private static List<Integer> victims(SplittableRandom random, int nodeCount) {
    List<Integer> all = new ArrayList<>();
    for (int node = 0; node < nodeCount; node++) {
      all.add(node);
    }
    int draw = random.nextInt(10);
    int count = nodeCount == 1 || draw < 6 ? 1 : draw < 9 ? 2 : nodeCount;
    List<Integer> victims = new ArrayList<>();
    while (victims.size() < count) {
      victims.add(all.remove(random.nextInt(all.size())));
    }
    return victims;
  }

  /** Waits until the devices had {@code count} more answered syncs, so a kill meets traffic. */
  private static void awaitSyncs(List<SyncingDevice> devices, int count)
      throws InterruptedException {
    long target = synced(devices) + count;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (synced(devices) < target) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "the devices had "
                + synced(devices)
                + " answered syncs, not "
                + target
                + ", after 60 s");
      }
      Thread.sleep(2);
    }
  }

  private static long synced(List<SyncingDevice> devices) {
    return devices.stream().mapToLong(device -> device.synced().get()).sum();
  }

  private static Map<String, Set<String>> answered(List<SyncingDevice> devices) {
    Map<String, Set<String>> answered = new TreeMap<>();
    for (SyncingDevice device : devices) {
      answered.put(device.name(), Set.copyOf(device.transport().answeredBatches()));
    }
    return answered;
  }

  /** Syncs every device in turn until a whole round pushes and pulls nothing. */
  private static void syncUntilQuiet(List<SyncingDevice> devices) {
    for (int round = 0; round < 10; round++) {
      boolean quiet = true;
      for (SyncingDevice device : devices) {
        SyncResult result = device.client().syncNow();
        quiet &= result.pushed() == 0 && result.pulled() == 0;
      }
      if (quiet) {
        return;
      }
    }
    throw new AssertionError("the devices still pushed or pulled after 10 rounds of syncs");
  }

  /**
   * A device in this JVM: the real client over HTTP to every node (through a {@link
   * FaultyTransport} without faults, which notes the batches answered), and its user.
   */
  private record SyncingDevice(
      Path file,
      String name,
      FieldSyncClient client,
      FaultyTransport transport,
      DeviceUser user,
      SplittableRandom random,
      AtomicLong synced,
      AtomicLong failed) {

    static SyncingDevice initialize(
        Path file, String name, ServerNodes nodes, Ledger ledger, List<String> counters, long seed)
        throws java.sql.SQLException {
      String token = nodes.token(name);
      FaultyTransport transport =
          new FaultyTransport(
              FailoverTransport.http(
                  nodes.uris(), token, Duration.ofSeconds(2), Duration.ofSeconds(20)));
      FieldSyncClient client =
          FieldSyncClient.builder(file)
              .servers(nodes.uris())
              .token(token)
              .transport(transport)
              .initialize();
      SplittableRandom random = new SplittableRandom(seed);
      return new SyncingDevice(
          file,
          name,
          client,
          transport,
          new DeviceUser(file, name, ledger, counters, random.nextLong()),
          random,
          new AtomicLong(),
          new AtomicLong());
    }

    /** Writes and syncs until stopped; a sync fails only while the nodes it tries are down. */
    Void loop(AtomicBoolean stop) throws Exception {
      while (!stop.get()) {
        user.write(1 + random.nextInt(5));
        try {
          client.syncNow();
          synced.incrementAndGet();
        } catch (SyncException e) {
          if (!e.isRetriable()) {
            throw new AssertionError(name + " got an error it cannot retry: " + e, e);
          }
          failed.incrementAndGet();
          Thread.sleep(50);
        }
      }
      return null;
    }
  }
}
