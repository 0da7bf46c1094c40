package io.fieldsync.bench;

import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.server.ServerConfig;
import io.fieldsync.server.SyncServer;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.SyncStores;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The end-to-end workload: a real {@link SyncServer} on loopback HTTP, real device SQLite files,
 * the seeded field-survey data set. For every store, data set size and repetition it starts a fresh
 * server, seeds it, and runs the scenarios: the fresh-device snapshot, incremental sync bytes, the
 * no-op sync, live-ish convergence, the live channel, capture overhead, push throughput for every
 * device count, and the real device path ({@link DeviceScenario}).
 */
public final class Workload {
  /** Changes per seeding push: large batches, as a bulk import would send them. */
  static final int SEED_BATCH = 2_000;

  /** Records per pull page the benchmark devices ask for. */
  static final int PULL_PAGE = 5_000;

  /** Records per push batch of the push-throughput devices. */
  static final int PUSH_BATCH = 500;

  private static final String SECRET = "fieldsync-bench-secret-0123456789abcdef";

  private final BenchOptions options;
  private final PrintStream log;
  private final Clock clock;
  private final Schema schema;
  private final Results results = new Results();

  public Workload(BenchOptions options, PrintStream log, Clock clock) {
    this.options = options;
    this.log = log;
    this.clock = clock;
    this.schema = exampleSchema();
  }

  /** Runs everything and writes the reports; returns the JSON report's path. */
  public Path run() throws Exception {
    long started = System.nanoTime();
    Path work = Files.createTempDirectory("fieldsync-bench");
    try {
      DeviceScenario device = deviceScenario(work);
      for (String store : options.stores()) {
        BenchPostgres postgres = null;
        if (store.equals("postgres")) {
          postgres = BenchPostgres.start(options.postgresUrl());
          log.println("PostgreSQL: " + postgres.description());
          results.note("PostgreSQL store measured on " + postgres.description() + ".");
        }
        try {
          for (int repeat = 1; repeat <= options.repeat(); repeat++) {
            for (long records : options.records()) {
              log.printf(
                  "[%s] repeat %d/%d, %,d records%n", store, repeat, options.repeat(), records);
              Path dir = work.resolve(store + "-" + repeat + "-" + records);
              Files.createDirectories(dir);
              String location =
                  postgres == null ? dir.resolve("server.db").toString() : postgres.newDatabase();
              runOnce(store, location, dir, records, repeat, device);
              if (postgres != null) {
                postgres.dropDatabase(location);
              }
              deleteTree(dir);
            }
          }
        } finally {
          if (postgres != null) {
            postgres.close();
          }
        }
      }
      if (options.jmh()) {
        log.println("JMH micro-benchmarks");
        Micro.run(options.quick(), results);
      } else {
        results.note(
            "JMH micro-benchmarks (codec, merge) not run in this invocation; run them with"
                + " `fieldsync bench --jmh` or `java -cp cli/target/fieldsync.jar"
                + " org.openjdk.jmh.Main 'io.fieldsync.bench.jmh.*'`.");
      }
    } finally {
      deleteTree(work);
    }
    results.facts.put("seconds", (System.nanoTime() - started) / 1e9);
    return new Report(options, results, clock).write(log);
  }

  Results results() {
    return results;
  }

  /**
   * The device scenario, or null when it does not run. Finds {@code bin/fieldsync} and runs it once
   * before anything is measured, so a missing checkout fails the run at once and the launcher's
   * first start (a build of a stale jar, cold file caches) is not timed.
   */
  private DeviceScenario deviceScenario(Path work) throws Exception {
    if (!options.runs("device")) {
      return null;
    }
    FieldsyncLauncher launcher = null;
    if (options.deviceCommands()) {
      launcher = FieldsyncLauncher.locate(options.fieldsyncHome(), Path.of(""), work);
      log.println(
          "device commands: "
              + launcher.home().resolve("bin/fieldsync")
              + " ("
              + launcher.run("--version").output().strip()
              + ")");
    }
    return new DeviceScenario(options, results, log, launcher);
  }

  private void runOnce(
      String storeName,
      String location,
      Path dir,
      long records,
      int repeat,
      DeviceScenario deviceScenario)
      throws Exception {
    String tenant = "bench-" + UUID.randomUUID().toString().substring(0, 8);
    SyncStore store = SyncStores.open(location, StoreOptions.DEFAULTS);
    try (store;
        SyncServer server =
            SyncServer.start(
                ServerConfig.builder(store, schema, SECRET.getBytes(StandardCharsets.UTF_8))
                    .port(0)
                    .build());
        WireMeter meter = new WireMeter(server.uri())) {
      BenchServer bench = new BenchServer(server, meter, tenant, dir, options.seed());
      RawPusher pusher = new RawPusher(schema, clock, options.seed());
      Dataset data = new Dataset(options.seed() + repeat);
      long blocks = Dataset.blocks(records);
      boolean devices =
          options.runs("snapshot")
              || options.runs("incremental")
              || options.runs("noop")
              || options.runs("convergence")
              || options.runs("live");
      long seeded =
          devices || options.runs("push")
              ? pusher.seed(bench, data, blocks, storeName, records, results, log)
              : 0;

      if (devices) {
        MeteredDevice a = bench.device("device-a");
        MeteredDevice b = bench.device("device-b");
        try (a;
            b) {
          // Later scenarios need both devices holding the data set, so they always take it.
          SnapshotScenario snapshot = new SnapshotScenario(results, log);
          snapshot.run(a, storeName, records, seeded);
          snapshot.run(b, storeName, records, seeded);
          if (options.runs("incremental")) {
            new IncrementalScenario(options, results, log)
                .run(bench, a, b, data, blocks, storeName, records, repeat);
          }
          if (options.runs("noop")) {
            new NoopScenario(results).run(bench, b, storeName, records);
          }
          if (options.runs("convergence")) {
            new ConvergenceScenario(options, results, clock).run(a, b, storeName, records);
          }
          if (options.runs("live")) {
            LiveScenario live = new LiveScenario(options, results, log, clock);
            live.latency(a.client(), b.client(), storeName, records);
            live.idleMemory(server, bench::token, dir, storeName, records);
          }
        }
      }
      if (options.runs("capture") && (storeName.equals("sqlite") || repeat == 1)) {
        new CaptureScenario(options, results, log).run(bench, data, storeName, records);
      }
      if (options.runs("encrypted") && (storeName.equals("sqlite") || repeat == 1)) {
        new EncryptedScenario(options, results, log).run(bench, data, storeName, records, repeat);
      }
      if (options.runs("push")) {
        PushScenario push = new PushScenario(options, results, log, pusher);
        long nextBlock = blocks;
        for (int count : options.devices()) {
          nextBlock = push.run(bench, data, nextBlock, count, storeName, records);
        }
      }
      if (deviceScenario != null) {
        deviceScenario.run(bench, storeName, records, repeat);
      }
    }
  }

  /** The example field-survey schema the benchmark serves. */
  public static Schema exampleSchema() {
    try (InputStream in =
        Workload.class.getResourceAsStream("/examples/field-survey/schema.yaml")) {
      if (in == null) {
        throw new IllegalStateException("the example schema is missing from the classpath");
      }
      return SchemaLoader.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
