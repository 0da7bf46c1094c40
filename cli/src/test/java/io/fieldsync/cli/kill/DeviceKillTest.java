package io.fieldsync.cli.kill;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.cli.ServerProcess;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.testkit.Replicas;
import io.fieldsync.testkit.SeededTest;
import io.fieldsync.testkit.TestServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of device processes: {@code fieldsync client run} (the sync worker pushing and
 * pulling), {@code client sync}, {@code client resync} and {@code client verify}, each in a JVM of
 * its own on a real device file, run again and again until a seeded moment kills the one running.
 * Meanwhile the device's user writes plain SQL on the same file from this JVM, and another device
 * pushes changes for it to pull.
 *
 * <p>After each kill, on the reopened file: {@code integrity_check} passes; the notes the device
 * owns hold every write its user made (no captured write lost); no counter, on the device or the
 * server, exceeds its start plus every increment made (nothing doubled). At the end, every device
 * syncs cleanly and every replica holds exactly the {@link Ledger}.
 *
 * <p>{@value ServerKillTest#ITERATIONS} sets the number of kills (default {@value
 * #BUILD_ITERATIONS}); see docs/testing.md for the deep run.
 */
class DeviceKillTest {
  private static final int BUILD_ITERATIONS = 12;
  private static final String[] DEVICES = {"device-0", "device-1"};

  /** What the killed process was doing: the {@code fieldsync client} command it ran. */
  enum Loop {
    RUN("run", "--no-live", "--debounce", "5ms"),
    SYNC("sync"),
    RESYNC("resync"),
    VERIFY("verify");

    private final String command;
    private final List<String> options;

    Loop(String command, String... options) {
      this.command = command;
      this.options = List.of(options);
    }

    String[] arguments(Path database) {
      List<String> arguments =
          new ArrayList<>(List.of("client", command, "--db", database.toString()));
      arguments.addAll(options);
      return arguments.toArray(String[]::new);
    }
  }

  @TempDir Path dir;

  /** How long one whole run of each one-shot command took on this machine, JVM start included. */
  private final Map<Loop, Long> durations = new EnumMap<>(Loop.class);

  @SeededTest
  void killedDeviceProcessesLoseNothingDoubleNothingAndConverge(long seed) throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    int iterations = Integer.getInteger(ServerKillTest.ITERATIONS, BUILD_ITERATIONS);
    Schema schema = SchemaLoader.parse(Ledger.SCHEMA);
    Ledger ledger = new Ledger();
    Map<Loop, Integer> kills = new EnumMap<>(Loop.class);
    durations.clear();
    int finishedRuns = 0;
    long started = System.nanoTime();
    try (TestServer server = TestServer.builder(dir.resolve("server")).schema(schema).start()) {
      List<String> counters = DeviceUser.counterIds(random, 4);
      List<Path> files = new ArrayList<>();
      List<DeviceUser> users = new ArrayList<>();
      for (String device : DEVICES) {
        Path file = dir.resolve(device + ".db");
        FieldSyncClient.init(file, server.uri(), server.token(device)).close();
        files.add(file);
        users.add(new DeviceUser(file, device, ledger, counters, random.nextLong()));
      }
      users.get(0).createCounters();
      users.get(1).write(200);
      syncInThisJvm(files.get(0));
      syncInThisJvm(files.get(1));

      for (Loop loop : List.of(Loop.SYNC, Loop.RESYNC, Loop.VERIFY)) {
        durations.put(loop, runToTheEnd(files.get(0), loop));
      }

      for (int iteration = 0; iteration < iterations; iteration++) {
        int victim = random.nextInt(DEVICES.length);
        int other = 1 - victim;
        Loop loop = Loop.values()[random.nextInt(Loop.values().length)];
        users.get(other).write(1 + random.nextInt(40));
        syncInThisJvm(files.get(other));

        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService writer = Executors.newSingleThreadExecutor();
        DeviceUser user = users.get(victim);
        Future<?> writes =
            writer.submit(
                () -> {
                  while (!stop.get()) {
                    user.write(1);
                    Thread.sleep(5);
                  }
                  return null;
                });
        try {
          finishedRuns += runUntilKilled(files.get(victim), loop, killAfter(loop, random));
        } finally {
          stop.set(true);
          writer.shutdown();
        }
        writes.get(30, TimeUnit.SECONDS);
        kills.merge(loop, 1, Integer::sum);

        String when =
            "after kill " + (iteration + 1) + " (" + loop + " of " + DEVICES[victim] + ")";
        assertIntegrity(files.get(victim), when);
        Replicas.Snapshot device = Replicas.device(files.get(victim), schema);
        ledger.assertOwnNotesHeldBy(DEVICES[victim], device, DEVICES[victim] + " " + when);
        ledger.assertNothingDoubledIn(device, DEVICES[victim] + " " + when);
        ledger.assertNothingDoubledIn(server.snapshot(), "the server " + when);
      }

      for (DeviceUser user : users) {
        user.close();
      }
      for (int round = 0; round < 3; round++) {
        for (Path file : files) {
          syncInThisJvm(file);
        }
      }
      ledger.assertHeldBy(server.snapshot(), "the server");
      for (int i = 0; i < files.size(); i++) {
        assertIntegrity(files.get(i), "at the end");
        ledger.assertHeldBy(Replicas.device(files.get(i), schema), DEVICES[i]);
      }
    }
    System.out.printf(
        "%d device kills %s in %d s (one whole run took %s ms; %d runs finished before a kill),"
            + " %d user writes%n",
        iterations,
        kills,
        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started),
        durations,
        finishedRuns,
        ledger.writes());
  }

  /**
   * When to kill: the worker ({@link Loop#RUN}) up to 2 s after it opened the device and started
   * syncing; a one-shot command anywhere in its first two and a half runs, so most kills meet it at
   * work rather than starting its JVM.
   */
  private long killAfter(Loop loop, SplittableRandom random) {
    return loop == Loop.RUN ? random.nextInt(2000) : random.nextLong(durations.get(loop) * 5 / 2);
  }

  /**
   * Runs {@code loop} on {@code database} in child JVMs, one after another, until {@code killAfter}
   * ms have passed (for {@link Loop#RUN}: since it started syncing), then kills the one running.
   *
   * @return how many runs finished before the kill
   */
  private int runUntilKilled(Path database, Loop loop, long killAfter) throws Exception {
    long killAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(killAfter);
    int finished = 0;
    while (true) {
      try (ServerProcess child =
          ServerProcess.start(dir, ServerNodes.CHILD_JVM, loop.arguments(database))) {
        if (loop == Loop.RUN) {
          while (child.isAlive() && !child.output().contains("Ctrl-C stops")) {
            Thread.sleep(2);
          }
          killAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(killAfter);
        }
        while (child.isAlive() && System.nanoTime() < killAt) {
          Thread.sleep(2);
        }
        if (child.isAlive()) {
          child.kill();
          return finished;
        }
        assertFinishedWell(child, loop, database);
        finished++;
      }
    }
  }

  /** Runs {@code loop} on {@code database} in a child JVM to its end; returns how long it took. */
  private long runToTheEnd(Path database, Loop loop) throws Exception {
    long start = System.nanoTime();
    try (ServerProcess child =
        ServerProcess.start(dir, ServerNodes.CHILD_JVM, loop.arguments(database))) {
      assertFinishedWell(child, loop, database);
    }
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  private static void assertFinishedWell(ServerProcess child, Loop loop, Path database)
      throws InterruptedException {
    int exit = child.awaitExit();
    assertThat(child.output())
        .as("what %s printed (exit code %d): no record repaired", loop, exit)
        .doesNotContain("  repaired ");
    assertThat(exit)
        .as("exit code of %s on %s; it printed:%n%s", loop, database, child.output())
        .isIn(loop == Loop.VERIFY ? List.of(0, 3) : List.of(0));
  }

  /** Opens the device with the library, as an app would after the crash, and syncs once. */
  private static void syncInThisJvm(Path database) {
    try (FieldSyncClient client = FieldSyncClient.open(database)) {
      client.syncNow();
    }
  }

  private static void assertIntegrity(Path database, String when) throws Exception {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + database)) {
      StoreChecks.assertIntegrity(connection, database + " " + when);
    }
  }
}
