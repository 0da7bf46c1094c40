package io.fieldsync.bench;

import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.SyncWorker;
import io.fieldsync.server.SyncServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * The live channel as users get it: devices run the background worker with its default settings
 * (live channel on), and nobody calls sync. Measures how long a write on one device takes to appear
 * on another, written through the library's connection and by another process, and what the server
 * pays per idle connected device (heap and threads, with the idle devices in a separate JVM so
 * their memory is not counted).
 */
final class LiveScenario {
  private final BenchOptions options;
  private final Results results;
  private final PrintStream log;
  private final Clock clock;

  LiveScenario(BenchOptions options, Results results, PrintStream log, Clock clock) {
    this.options = options;
    this.results = results;
    this.log = log;
    this.clock = clock;
  }

  /**
   * Write on A, wait until B's database shows it; both only run their workers. Each write goes
   * through A's library connection, then (as many again) through the {@code sqlite3} shell as a
   * separate process; the time runs from the write's commit (the statement's return, the shell's
   * exit) until B's database holds the row.
   */
  void latency(FieldSyncClient a, FieldSyncClient b, String store, long records) throws Exception {
    Path sqlite3 = sqlite3Shell();
    try (SyncWorker workerA = a.startWorker();
        SyncWorker workerB = b.startWorker()) {
      await(
          "both devices holding a live channel",
          () -> workerA.status().live() && workerB.status().live(),
          Duration.ofSeconds(30));
      SplittableRandom random = new SplittableRandom(options.seed() + 11);
      try (Connection writer = a.connection();
          Connection reader = b.connection();
          PreparedStatement insert =
              writer.prepareStatement(
                  "INSERT INTO households (id, region, head_name) VALUES (?, 'north', 'live')");
          PreparedStatement probe =
              reader.prepareStatement("SELECT 1 FROM households WHERE id = ?")) {
        Path fileA = file(writer);
        List<Double> library =
            measure(
                "live_convergence_ms",
                new Results.Target("<= 50", v -> v <= 50),
                store,
                records,
                random,
                probe,
                id -> {
                  insert.setString(1, id);
                  insert.executeUpdate();
                });
        List<Double> shell =
            measure(
                "live_convergence_other_process_ms",
                new Results.Target("<= 150", v -> v <= 150),
                store,
                records,
                random,
                probe,
                id -> shellInsert(sqlite3, fileA, id));
        log.printf(
            "  live channel (worker defaults): write on A visible on B in %s ms when written"
                + " through the library's connection, %s ms when written by the sqlite3 shell%n",
            format(library), format(shell));
      }
    }
  }

  private interface Write {
    void insert(String id) throws Exception;
  }

  private List<Double> measure(
      String metric,
      Results.Target target,
      String store,
      long records,
      SplittableRandom random,
      PreparedStatement probe,
      Write write)
      throws Exception {
    List<Double> samples = new ArrayList<>();
    for (int i = 0; i < options.convergenceSamples(); i++) {
      String id = Dataset.uuid7(clock.millis(), random);
      write.insert(id);
      long started = System.nanoTime();
      probe.setString(1, id);
      await(
          "household " + id + " written on device-a to reach device-b",
          () -> {
            try (ResultSet rows = probe.executeQuery()) {
              return rows.next();
            } catch (java.sql.SQLException e) {
              throw new IllegalStateException(e);
            }
          },
          Duration.ofSeconds(60));
      double millis = (System.nanoTime() - started) / 1e6;
      samples.add(millis);
      results.add(metric, "ms", store, records, 2, target, millis);
      Thread.sleep(50 + random.nextInt(50));
    }
    return samples;
  }

  private static String format(List<Double> samples) {
    return samples.stream().map(v -> String.format("%.0f", v)).toList().toString();
  }

  /**
   * Inserts a household with the {@code sqlite3} shell, a separate process; returns at its exit.
   */
  private static void shellInsert(Path sqlite3, Path database, String id) throws Exception {
    Process shell =
        new ProcessBuilder(
                sqlite3.toString(),
                "-cmd",
                ".timeout 10000",
                database.toString(),
                "INSERT INTO households (id, region, head_name) VALUES ('"
                    + id
                    + "', 'north', 'shell')")
            .redirectErrorStream(true)
            .start();
    String output = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!shell.waitFor(30, TimeUnit.SECONDS) || shell.exitValue() != 0) {
      throw new IllegalStateException(
          "the sqlite3 shell failed to insert household "
              + id
              + " into "
              + database
              + ": "
              + output);
    }
  }

  /** The file behind a connection ({@code PRAGMA database_list}). */
  private static Path file(Connection connection) throws java.sql.SQLException {
    try (PreparedStatement list = connection.prepareStatement("PRAGMA database_list");
        ResultSet rows = list.executeQuery()) {
      while (rows.next()) {
        if (rows.getString("name").equals("main")) {
          return Path.of(rows.getString("file"));
        }
      }
    }
    throw new IllegalStateException("the device connection has no main database");
  }

  /** The first executable {@code sqlite3} on {@code PATH}. */
  private static Path sqlite3Shell() {
    String path = System.getenv("PATH");
    for (String directory : (path == null ? "" : path).split(java.io.File.pathSeparator)) {
      if (!directory.isEmpty()) {
        Path candidate = Path.of(directory, "sqlite3");
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    throw new IllegalStateException(
        "the live scenario writes on device A with the sqlite3 shell as another process, but there"
            + " is no executable sqlite3 on PATH ("
            + path
            + "); install it (e.g. apt-get install sqlite3) or leave out --only live");
  }

  /**
   * Opens {@code count} idle live channels from another JVM and measures the server JVM's heap
   * (after GC) and thread count before and after.
   */
  void idleMemory(
      SyncServer server, Function<String, String> token, Path dir, String store, long records)
      throws Exception {
    int count = options.quick() ? 200 : 1_000;
    Path tokens = dir.resolve("live-tokens.txt");
    List<String> lines = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      lines.add(token.apply("idle-" + i));
    }
    Files.write(tokens, lines, StandardCharsets.UTF_8);
    // Devices A and B close their live channels asynchronously after the latency measurement.
    await(
        "earlier live channels to close", () -> server.liveDevices() == 0, Duration.ofSeconds(30));
    int connectedBefore = server.liveDevices();
    long heapBefore = heapAfterGc();
    int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
    URI live = URI.create(server.uri().toString().replaceFirst("^http", "ws")).resolve("/v1/live");
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-cp",
                System.getProperty("java.class.path"),
                IdleLiveDevices.class.getName(),
                live.toString(),
                tokens.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    OutputStream stdin = child.getOutputStream();
    try (BufferedReader stdout =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line = stdout.readLine();
      if (line == null || !line.equals("open " + count)) {
        throw new IllegalStateException(
            "the idle-device process said '" + line + "', expected 'open " + count + "'");
      }
      await(
          count + " idle live devices on the server",
          () -> server.liveDevices() >= connectedBefore + count,
          Duration.ofSeconds(60));
      long heapAfter = heapAfterGc();
      int threadsAfter = ManagementFactory.getThreadMXBean().getThreadCount();
      double perDevice = (double) (heapAfter - heapBefore) / count;
      results.add(
          "live_idle_heap_bytes_per_device", "bytes", store, records, count, null, perDevice);
      // Threads that appear are Jetty pool threads (at most 64) started by the burst of upgrades,
      // and the pool may shrink meanwhile (then none were added: 0); an idle socket holds none.
      // One thread per device would be 1.0.
      results.add(
          "live_idle_threads_per_device",
          "threads",
          store,
          records,
          count,
          new Results.Target("<= 0.1 (no thread per device)", v -> v <= 0.1),
          (double) Math.max(0, threadsAfter - threadsBefore) / count);
      log.printf(
          "  %,d idle live devices: %,.0f heap bytes each on the server, %d threads added%n",
          count, perDevice, threadsAfter - threadsBefore);
    } finally {
      stdin.close(); // the child's signal to let its sockets go
      if (!child.waitFor(30, TimeUnit.SECONDS)) {
        child.destroyForcibly();
      }
    }
    await(
        "the idle live devices to disconnect",
        () -> server.liveDevices() <= connectedBefore,
        Duration.ofSeconds(60));
  }

  private static long heapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static void await(String what, BooleanSupplier done, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + timeout + " waiting for " + what);
      }
      Thread.sleep(1);
    }
  }
}
