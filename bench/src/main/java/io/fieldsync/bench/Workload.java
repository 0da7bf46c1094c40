package io.fieldsync.bench;

import io.fieldsync.TransportException;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.SyncResult;
import io.fieldsync.client.transport.HttpTransport;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.server.ServerConfig;
import io.fieldsync.server.SyncServer;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.SyncStores;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The end-to-end workload: a real {@link SyncServer} on loopback HTTP, real device SQLite files,
 * the seeded field-survey data set. For every store, data set size and repetition it starts a fresh
 * server, seeds it, and measures the fresh-device snapshot, incremental sync bytes, the no-op sync,
 * live-ish convergence, capture overhead and push throughput for every device count.
 */
public final class Workload {
  /** Changes per seeding push: large batches, as a bulk import would send them. */
  static final int SEED_BATCH = 2_000;

  /** Records per pull page the benchmark devices ask for. */
  static final int PULL_PAGE = 5_000;

  /** Records per push batch of the push-throughput devices (the client's default). */
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
              runOnce(store, location, dir, records, repeat);
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

  private void runOnce(String storeName, String location, Path dir, long records, int repeat)
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
      Servers servers = new Servers(server, meter, tenant, dir);
      currentServers = servers;
      Dataset data = new Dataset(options.seed() + repeat);
      long blocks = Dataset.blocks(records);
      boolean devices =
          options.runs("snapshot")
              || options.runs("incremental")
              || options.runs("noop")
              || options.runs("convergence")
              || options.runs("live");
      long seeded =
          devices || options.runs("push") ? seed(servers, data, blocks, storeName, records) : 0;

      if (devices) {
        Device a = servers.device("device-a");
        Device b = servers.device("device-b");
        try (a;
            b) {
          // Later scenarios need both devices holding the data set, so they always take it.
          snapshot(a, storeName, records, seeded);
          snapshot(b, storeName, records, seeded);
          if (options.runs("incremental")) {
            incremental(a, b, data, blocks, storeName, records, repeat);
          }
          if (options.runs("noop")) {
            noop(b, storeName, records);
          }
          if (options.runs("convergence")) {
            convergence(a, b, storeName, records);
          }
          if (options.runs("live")) {
            LiveScenario live = new LiveScenario(options, results, log, clock);
            live.latency(a.client(), b.client(), storeName, records);
            live.idleMemory(server, servers::token, dir, storeName, records);
          }
        }
      }
      if (options.runs("capture") && (storeName.equals("sqlite") || repeat == 1)) {
        capture(servers, data, storeName, records);
      }
      if (options.runs("push")) {
        long nextBlock = blocks;
        for (int count : options.devices()) {
          nextBlock = pushThroughput(servers, data, nextBlock, count, storeName, records);
        }
      }
    }
  }

  /** A running server, the byte meter in front of it, and how to make devices for it. */
  private final class Servers {
    final SyncServer server;
    final WireMeter meter;
    final String tenant;
    final Path dir;

    Servers(SyncServer server, WireMeter meter, String tenant, Path dir) {
      this.server = server;
      this.meter = meter;
      this.tenant = tenant;
      this.dir = dir;
    }

    String token(String device) {
      return server.tokens().mint(tenant, device, device, null, List.of(), Duration.ofHours(12));
    }

    /** A device whose every request goes through the byte meter and is counted. */
    Device device(String name) {
      CountingTransport transport =
          new CountingTransport(
              new HttpTransport(
                  meter.uri(), token(name), Duration.ofSeconds(10), Duration.ofMinutes(10)));
      FieldSyncClient client =
          FieldSyncClient.builder(dir.resolve(name + ".db"))
              .transport(transport)
              .seed(options.seed() ^ name.hashCode())
              .workerSeed(options.seed() ^ name.hashCode())
              .pullPageSize(PULL_PAGE)
              .initialize();
      return new Device(name, client, transport);
    }

    /** A raw protocol client straight to the server (no device database). */
    HttpTransport raw(String device) {
      return new HttpTransport(
          server.uri(), token(device), Duration.ofSeconds(10), Duration.ofMinutes(10));
    }
  }

  private record Device(String name, FieldSyncClient client, CountingTransport transport)
      implements AutoCloseable {
    @Override
    public void close() {
      client.close();
    }
  }

  /**
   * Seeds the server through the real push API from one raw device in large batches; returns the
   * number of records the server holds.
   */
  private long seed(Servers servers, Dataset data, long blocks, String store, long records) {
    HttpTransport seeder = servers.raw("seeder");
    long started = System.nanoTime();
    long fields = 0;
    long count = 0;
    List<Change> batch = new ArrayList<>(SEED_BATCH);
    SplittableRandom batchIds = new SplittableRandom(options.seed());
    for (long b = 0; b < blocks; b++) {
      for (Dataset.Row row : data.block(b)) {
        Change change = Dataset.insert(row, hlc());
        fields += change.getFieldsCount();
        batch.add(change);
        count++;
        if (batch.size() == SEED_BATCH) {
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
  private long hlc() {
    return clock.millis() << 16;
  }

  private static final int PUSH_ATTEMPTS = 10;

  /** Pushes the driver retried after a retriable failure (reported with push throughput). */
  private final AtomicLong retriedPushes = new AtomicLong();

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting to retry a push", e);
    }
  }

  private void push(HttpTransport transport, List<Change> changes, SplittableRandom batchIds) {
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

  private void snapshot(Device device, String store, long records, long expected) {
    long started = System.nanoTime();
    SyncResult result = device.client().syncNow();
    double seconds = (System.nanoTime() - started) / 1e9;
    if (result.pulled() < expected) {
      throw new IllegalStateException(
          device.name() + " pulled " + result.pulled() + " records, expected " + expected);
    }
    results.add("snapshot_seconds", "s", store, records, 1, null, seconds);
    results.add(
        "snapshot_records_per_s",
        "records/s",
        store,
        records,
        1,
        records >= 1_000_000 ? new Results.Target(">= 100,000", v -> v >= 100_000) : null,
        result.pulled() / seconds);
    log.printf(
        "  snapshot %s: %,d records in %.2f s (%,.0f records/s)%n",
        device.name(), result.pulled(), seconds, result.pulled() / seconds);
  }

  /**
   * Device A edits one field of each of {@code edits} distinct records and syncs; device B syncs.
   * Counts every byte each side puts on the wire and compares it with sending each edited record as
   * a full JSON object.
   */
  private void incremental(
      Device a, Device b, Dataset data, long blocks, String store, long records, int repeat)
      throws SQLException {
    SplittableRandom random = new SplittableRandom(options.seed() * 31 + repeat);
    Set<String> chosen = new HashSet<>();
    long baseline = 0;
    Map<String, Object[]> expected = new LinkedHashMap<>();
    try (Connection connection = a.client().connection()) {
      connection.setAutoCommit(false);
      while (chosen.size() < options.edits()) {
        long block = random.nextLong(blocks);
        List<Dataset.Row> rows = data.block(block);
        Dataset.Row row = rows.get(random.nextInt(rows.size()));
        if (!chosen.add(row.id())) {
          continue;
        }
        Map<String, Object> values = new LinkedHashMap<>(row.values());
        String column;
        Object value;
        switch (row.table()) {
          case "households" -> {
            column = "head_name";
            value = "Head " + random.nextInt(1_000_000);
          }
          case "visits" -> {
            column = "summary";
            value = "revisited " + random.nextInt(1_000_000);
          }
          default -> {
            column = "value";
            // Always a different value: an edit to the same value captures nothing.
            value = Math.round(((Double) values.get("value") + 0.5) * 10) / 10.0;
          }
        }
        values.put(column, value);
        baseline += Dataset.json(row.id(), values).getBytes(StandardCharsets.UTF_8).length;
        expected.put(row.id(), new Object[] {row.table(), column, value});
        try (PreparedStatement update =
            connection.prepareStatement(
                "UPDATE " + row.table() + " SET " + column + " = ? WHERE id = ?")) {
          update.setObject(1, value);
          update.setString(2, row.id());
          if (update.executeUpdate() != 1) {
            throw new IllegalStateException(
                "device-a has no " + row.table() + " record " + row.id() + " to edit");
          }
        }
      }
      connection.commit();
    }
    long requestsBefore = a.transport().requests();
    long up = currentServers.meter.up();
    long down = currentServers.meter.down();
    SyncResult pushed = a.client().syncNow();
    long pushRequests = a.transport().requests() - requestsBefore;
    long pushUp = currentServers.meter.up() - up;
    long pushDown = currentServers.meter.down() - down;
    up = currentServers.meter.up();
    down = currentServers.meter.down();
    SyncResult pulled = b.client().syncNow();
    long pullUp = currentServers.meter.up() - up;
    long pullDown = currentServers.meter.down() - down;
    if (pushed.pushed() != options.edits()) {
      throw new IllegalStateException(
          "device-a pushed " + pushed.pushed() + " changes, expected " + options.edits());
    }
    verify(b, expected);
    // A floor no encoding of these edits can beat by much: just the edited records' ids,
    // zstd-compressed at the codec's level (the rest of each change is table, column, value,
    // stamp).
    StringBuilder ids = new StringBuilder();
    expected.keySet().forEach(id -> ids.append(id).append('\n'));
    long idsFloor =
        com.github.luben.zstd.Zstd.compress(ids.toString().getBytes(StandardCharsets.UTF_8), 3)
            .length;
    results.add("incremental_ids_only_zstd_bytes", "bytes", store, records, 1, null, idsFloor);
    long pushBytes = pushUp + pushDown;
    long pullBytes = pullUp + pullDown;
    Results.Target kb = new Results.Target("<= 25,000 B", v -> v <= 25_000);
    Results.Target tenth = new Results.Target("<= 0.10", v -> v <= 0.10);
    results.add("incremental_push_bytes", "bytes", store, records, 1, kb, pushBytes);
    results.add("incremental_push_request_bytes", "bytes", store, records, 1, null, pushUp);
    results.add("incremental_push_response_bytes", "bytes", store, records, 1, null, pushDown);
    results.add("incremental_pull_bytes", "bytes", store, records, 1, kb, pullBytes);
    results.add("incremental_pull_request_bytes", "bytes", store, records, 1, null, pullUp);
    results.add("incremental_pull_response_bytes", "bytes", store, records, 1, null, pullDown);
    results.add("incremental_baseline_bytes", "bytes", store, records, 1, null, baseline);
    results.add(
        "incremental_push_ratio",
        "of baseline",
        store,
        records,
        1,
        tenth,
        pushBytes / (double) baseline);
    results.add(
        "incremental_pull_ratio",
        "of baseline",
        store,
        records,
        1,
        tenth,
        pullBytes / (double) baseline);
    results.add("incremental_push_requests", "requests", store, records, 1, null, pushRequests);
    log.printf(
        "  %,d one-field edits: push %,d B (req %,d / resp %,d), pull %,d B (req %,d / resp %,d),"
            + " full-record JSON %,d B each way%n",
        options.edits(), pushBytes, pushUp, pushDown, pullBytes, pullUp, pullDown, baseline);
  }

  /** The server of the measurement in progress. */
  private Servers currentServers;

  private void verify(Device device, Map<String, Object[]> expected) throws SQLException {
    try (Connection connection = device.client().connection()) {
      for (Map.Entry<String, Object[]> entry : expected.entrySet()) {
        Object[] edit = entry.getValue();
        try (PreparedStatement select =
            connection.prepareStatement(
                "SELECT " + edit[1] + " FROM " + edit[0] + " WHERE id = ?")) {
          select.setString(1, entry.getKey());
          try (ResultSet rows = select.executeQuery()) {
            Object found = rows.next() ? rows.getObject(1) : null;
            if (found == null || !String.valueOf(found).equals(String.valueOf(edit[2]))) {
              throw new IllegalStateException(
                  device.name()
                      + " shows "
                      + edit[0]
                      + " "
                      + entry.getKey()
                      + " "
                      + edit[1]
                      + " = "
                      + found
                      + " after the sync, expected "
                      + edit[2]);
            }
          }
        }
      }
    }
  }

  private void noop(Device device, String store, long records) {
    for (int i = 0; i < 10; i++) {
      long requests = device.transport().requests();
      long bytes = currentServers.meter.up() + currentServers.meter.down();
      long started = System.nanoTime();
      SyncResult result = device.client().syncNow();
      double millis = (System.nanoTime() - started) / 1e6;
      if (result.pushed() != 0 || result.pulled() != 0) {
        throw new IllegalStateException(
            "a no-op sync pushed " + result.pushed() + " and pulled " + result.pulled());
      }
      results.add(
          "noop_requests",
          "requests",
          store,
          records,
          1,
          new Results.Target("= 1", v -> v == 1),
          device.transport().requests() - requests);
      results.add("noop_ms", "ms", store, records, 1, null, millis);
      results.add(
          "noop_bytes",
          "bytes",
          store,
          records,
          1,
          null,
          currentServers.meter.up() + currentServers.meter.down() - bytes);
    }
  }

  /**
   * Both devices sync back to back in their own threads; the main thread writes a household on A
   * and waits until B's database shows it.
   */
  private void convergence(Device a, Device b, String store, long records) throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    ExecutorService loops = Executors.newFixedThreadPool(2);
    try {
      for (Device device : List.of(a, b)) {
        loops.submit(
            () -> {
              while (running.get()) {
                try {
                  device.client().syncNow();
                } catch (RuntimeException e) {
                  failure.compareAndSet(null, e);
                  return;
                }
              }
            });
      }
      SplittableRandom random = new SplittableRandom(options.seed() + 7);
      try (Connection writer = a.client().connection();
          Connection reader = b.client().connection();
          PreparedStatement insert =
              writer.prepareStatement(
                  "INSERT INTO households (id, region, head_name) VALUES (?, 'north', 'probe')");
          PreparedStatement probe =
              reader.prepareStatement("SELECT 1 FROM households WHERE id = ?")) {
        for (int i = 0; i < options.convergenceSamples(); i++) {
          String id = Dataset.uuid7(clock.millis(), random);
          insert.setString(1, id);
          insert.executeUpdate();
          long started = System.nanoTime();
          long deadline = started + Duration.ofSeconds(60).toNanos();
          probe.setString(1, id);
          while (true) {
            try (ResultSet rows = probe.executeQuery()) {
              if (rows.next()) {
                break;
              }
            }
            if (failure.get() != null) {
              throw new IllegalStateException("a sync loop failed", failure.get());
            }
            if (System.nanoTime() > deadline) {
              throw new IllegalStateException(
                  "household " + id + " written on device-a did not reach device-b in 60 s");
            }
            Thread.sleep(1);
          }
          results.add(
              "convergence_ms", "ms", store, records, 2, null, (System.nanoTime() - started) / 1e6);
        }
      }
    } finally {
      running.set(false);
      loops.shutdown();
      loops.awaitTermination(2, java.util.concurrent.TimeUnit.MINUTES);
    }
    if (failure.get() != null) {
      throw new IllegalStateException("a sync loop failed", failure.get());
    }
  }

  /** Rounds of the capture measurement; each compares the three tables on its own rows. */
  static final int CAPTURE_ROUNDS = 5;

  /**
   * Inserts then updates the same measurement rows in a synced table (capture triggers on), in the
   * same table of a plain SQLite file with the same DDL, journal mode and synchronous setting but
   * no triggers, and in a floor table whose one trigger appends the row to a log. The rows are
   * split into {@link #CAPTURE_ROUNDS} rounds that run the three in turn, each round in another
   * order; the ratios are the medians of the rounds' ratios, so a slow spell of this shared machine
   * falls on one round rather than on one side of the comparison.
   */
  private void capture(Servers servers, Dataset data, String store, long records)
      throws SQLException {
    int rows = (int) Math.min(options.captureRows(), records);
    try (Device device = servers.device("capture")) {
      try (Connection synced = device.client().connection();
          Connection plain =
              DriverManager.getConnection("jdbc:sqlite:" + servers.dir.resolve("plain.db"));
          Connection floor =
              DriverManager.getConnection("jdbc:sqlite:" + servers.dir.resolve("floor.db"))) {
        String synchronous = pragma(synced, "synchronous");
        for (Connection other : List.of(plain, floor)) {
          try (Statement ddl = other.createStatement()) {
            ddl.execute("PRAGMA journal_mode = " + pragma(synced, "journal_mode"));
            ddl.execute("PRAGMA synchronous = " + synchronous);
            ddl.execute(createSql(synced));
          }
        }
        // The floor of a trigger-based capture that logs each change with its values: one AFTER
        // INSERT/UPDATE trigger appending the row as JSON to a log (no clock, no stash).
        try (Statement ddl = floor.createStatement()) {
          ddl.execute(
              "CREATE TABLE log (id INTEGER PRIMARY KEY, tbl TEXT, rid TEXT, op TEXT, vals TEXT)");
          String json =
              "json_object('visit_id', NEW.visit_id, 'kind', NEW.kind, 'value', NEW.value,"
                  + " 'max_value', NEW.max_value, 'unit', NEW.unit, 'taken_at', NEW.taken_at)";
          ddl.execute(
              "CREATE TRIGGER log_ins AFTER INSERT ON measurements BEGIN INSERT INTO log (tbl,"
                  + " rid, op, vals) VALUES ('measurements', NEW.id, 'I', "
                  + json
                  + "); END");
          ddl.execute(
              "CREATE TRIGGER log_upd AFTER UPDATE ON measurements BEGIN INSERT INTO log (tbl,"
                  + " rid, op, vals) VALUES ('measurements', NEW.id, 'U', json_object('value',"
                  + " NEW.value)); END");
        }
        List<Dataset.Row> measurements = new ArrayList<>(rows);
        for (long b = 0; measurements.size() < rows; b++) {
          for (Dataset.Row row : data.block(b)) {
            if (row.table().equals("measurements") && measurements.size() < rows) {
              measurements.add(row);
            }
          }
        }
        double[][] insertSeconds = new double[CAPTURE_ROUNDS][5];
        double[][] updateSeconds = new double[CAPTURE_ROUNDS][5];
        // Two ablations of the device's own capture, on copies of its DDL: without the stash
        // trigger (what INSERT OR REPLACE needs), and with the stamp's reads of _fs_state and of
        // the log's last row replaced by constants. They say where the synced side's time goes.
        try (Connection noStash =
                ablation(
                    synced,
                    servers.dir.resolve("nostash.db"),
                    sql -> sql.contains("_stash\""),
                    null);
            Connection noClock =
                ablation(synced, servers.dir.resolve("noclock.db"), sql -> false, STAMP_SQL)) {
          List<Connection> sides = List.of(plain, synced, floor, noStash, noClock);
          int chunk = Math.max(1, rows / CAPTURE_ROUNDS);
          for (int round = 0; round < CAPTURE_ROUNDS; round++) {
            List<Dataset.Row> part =
                measurements.subList(
                    Math.min(rows, round * chunk),
                    round == CAPTURE_ROUNDS - 1 ? rows : Math.min(rows, (round + 1) * chunk));
            for (int turn = 0; turn < sides.size(); turn++) {
              int side = (turn + round) % sides.size();
              insertSeconds[round][side] = insertSeconds(sides.get(side), part);
            }
            for (int turn = 0; turn < sides.size(); turn++) {
              int side = (turn + round + 1) % sides.size();
              updateSeconds[round][side] = updateSeconds(sides.get(side), part);
            }
          }
        }
        double plainInsert = rate(rows, insertSeconds, 0);
        double syncedInsert = rate(rows, insertSeconds, 1);
        double plainUpdate = rate(rows, updateSeconds, 0);
        double syncedUpdate = rate(rows, updateSeconds, 1);
        double insertOverhead = medianRatio(insertSeconds, 1);
        double updateOverhead = medianRatio(updateSeconds, 1);
        double floorInsertOverhead = medianRatio(insertSeconds, 2);
        double floorUpdateOverhead = medianRatio(updateSeconds, 2);
        Results.Target ratio = new Results.Target("<= 1.5", v -> v <= 1.5);
        results.add("capture_plain_inserts_per_s", "rows/s", store, records, 1, null, plainInsert);
        results.add(
            "capture_synced_inserts_per_s", "rows/s", store, records, 1, null, syncedInsert);
        results.add("capture_plain_updates_per_s", "rows/s", store, records, 1, null, plainUpdate);
        results.add(
            "capture_synced_updates_per_s", "rows/s", store, records, 1, null, syncedUpdate);
        results.add("capture_insert_overhead", "x plain", store, records, 1, ratio, insertOverhead);
        results.add(
            "capture_floor_insert_overhead",
            "x plain",
            store,
            records,
            1,
            null,
            floorInsertOverhead);
        results.add(
            "capture_floor_update_overhead",
            "x plain",
            store,
            records,
            1,
            null,
            floorUpdateOverhead);
        results.add("capture_update_overhead", "x plain", store, records, 1, ratio, updateOverhead);
        String[] ablations = {"nostash", "noclock"};
        for (int i = 0; i < ablations.length; i++) {
          for (String op : List.of("insert", "update")) {
            results.add(
                "capture_" + ablations[i] + "_" + op + "_overhead",
                "x plain",
                store,
                records,
                1,
                null,
                medianRatio(op.equals("insert") ? insertSeconds : updateSeconds, 3 + i));
          }
        }
        log.printf(
            "  capture: inserts %,.0f/s synced vs %,.0f/s plain (%.2fx), updates %,.0f/s vs %,.0f/s"
                + " (%.2fx); a minimal log trigger costs %.2fx and %.2fx%n",
            syncedInsert,
            plainInsert,
            insertOverhead,
            syncedUpdate,
            plainUpdate,
            updateOverhead,
            floorInsertOverhead,
            floorUpdateOverhead);
        log.printf(
            "  capture ablations: without the stash trigger %.2fx and %.2fx, with a constant stamp"
                + " %.2fx and %.2fx%n",
            medianRatio(insertSeconds, 3),
            medianRatio(updateSeconds, 3),
            medianRatio(insertSeconds, 4),
            medianRatio(updateSeconds, 4));
      }
    }
  }

  /** How a capture trigger stamps a log row: its HLC, device and base sequence. */
  static final String STAMP_SQL =
      "max(coalesce((SELECT hlc FROM _fs_changelog ORDER BY id DESC LIMIT 1), 0) + 1,"
          + " (SELECT hlc FROM _fs_state) + 1,"
          + " CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER) * 65536),"
          + " (SELECT device FROM _fs_state), (SELECT cursor FROM _fs_state)";

  /**
   * A database with the synced device's tables, indexes and triggers, less those {@code drop} names
   * and with {@code stamp} (when not null) replaced by constants, and a sync state with capture on.
   */
  private static Connection ablation(
      Connection synced, Path file, Predicate<String> drop, String stamp) throws SQLException {
    List<String> ddl = new ArrayList<>();
    boolean stamped = false;
    try (Statement read = synced.createStatement();
        ResultSet rows =
            read.executeQuery(
                "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'"
                    + " ORDER BY rowid")) {
      while (rows.next()) {
        String sql = rows.getString(1);
        if (drop.test(sql)) {
          continue;
        }
        if (stamp != null && sql.contains(stamp)) {
          sql = sql.replace(stamp, "1, 'ablation', 0");
          stamped = true;
        }
        ddl.add(sql);
      }
    }
    if (stamp != null && !stamped) {
      throw new IllegalStateException(
          "the capture triggers no longer stamp rows with Workload.STAMP_SQL; update the ablation");
    }
    Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
    try (Statement write = connection.createStatement()) {
      write.execute("PRAGMA journal_mode = " + pragma(synced, "journal_mode"));
      write.execute("PRAGMA synchronous = " + pragma(synced, "synchronous"));
      for (String sql : ddl) {
        write.execute(sql);
      }
      write.execute(
          "INSERT INTO _fs_state (id, hlc, device, capture, cursor) VALUES (1, 0, 'ablation', 1,"
              + " 0)");
    }
    return connection;
  }

  /** Rows per second of one side over all rounds. */
  private static double rate(int rows, double[][] seconds, int side) {
    double total = 0;
    for (double[] round : seconds) {
      total += round[side];
    }
    return rows / total;
  }

  /** The median over the rounds of the time of {@code side} over the time of the plain table. */
  static double medianRatio(double[][] seconds, int side) {
    double[] ratios = new double[seconds.length];
    for (int i = 0; i < seconds.length; i++) {
      ratios[i] = seconds[i][side] / seconds[i][0];
    }
    Arrays.sort(ratios);
    int middle = ratios.length / 2;
    return ratios.length % 2 == 1 ? ratios[middle] : (ratios[middle - 1] + ratios[middle]) / 2;
  }

  private static String pragma(Connection connection, String name) throws SQLException {
    try (Statement read = connection.createStatement();
        ResultSet value = read.executeQuery("PRAGMA " + name)) {
      value.next();
      return value.getString(1);
    }
  }

  /** The device's CREATE TABLE statement of the measurements table. */
  private static String createSql(Connection synced) throws SQLException {
    try (Statement read = synced.createStatement();
        ResultSet tables =
            read.executeQuery(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'measurements'")) {
      tables.next();
      return tables.getString(1);
    }
  }

  /** Seconds to insert the rows, in transactions of 1,000, as an app importing forms would. */
  private static double insertSeconds(Connection connection, List<Dataset.Row> rows)
      throws SQLException {
    connection.setAutoCommit(false);
    long started = System.nanoTime();
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO measurements (id, visit_id, kind, value, max_value, unit, taken_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      int n = 0;
      for (Dataset.Row row : rows) {
        Map<String, Object> v = row.values();
        insert.setString(1, row.id());
        insert.setObject(2, v.get("visit_id"));
        insert.setObject(3, v.get("kind"));
        insert.setObject(4, v.get("value"));
        insert.setObject(5, v.get("max_value"));
        insert.setObject(6, v.get("unit"));
        insert.setObject(7, v.get("taken_at"));
        insert.executeUpdate();
        if (++n % 1_000 == 0) {
          connection.commit();
        }
      }
      connection.commit();
    } finally {
      connection.setAutoCommit(true);
    }
    return (System.nanoTime() - started) / 1e9;
  }

  /** Seconds to update each row once, in transactions of 1,000. */
  private static double updateSeconds(Connection connection, List<Dataset.Row> rows)
      throws SQLException {
    connection.setAutoCommit(false);
    long started = System.nanoTime();
    try (PreparedStatement update =
        connection.prepareStatement("UPDATE measurements SET value = value + 1 WHERE id = ?")) {
      int n = 0;
      for (Dataset.Row row : rows) {
        update.setString(1, row.id());
        update.executeUpdate();
        if (++n % 1_000 == 0) {
          connection.commit();
        }
      }
      connection.commit();
    } finally {
      connection.setAutoCommit(true);
    }
    return (System.nanoTime() - started) / 1e9;
  }

  /**
   * {@code devices} raw devices push new records concurrently, {@link #PUSH_BATCH} per request;
   * returns the next unused block.
   */
  private long pushThroughput(
      Servers servers, Dataset data, long firstBlock, int devices, String store, long records)
      throws Exception {
    int perDevice = Math.max(1, options.pushRecords() / devices);
    long blocksPerDevice = Dataset.blocks(perDevice);
    List<List<List<Change>>> work = new ArrayList<>();
    long fields = 0;
    long block = firstBlock;
    long hlc = hlc();
    for (int d = 0; d < devices; d++) {
      List<List<Change>> batches = new ArrayList<>();
      List<Change> batch = new ArrayList<>();
      for (long b = 0; b < blocksPerDevice; b++, block++) {
        for (Dataset.Row row : data.block(block)) {
          Change change = Dataset.insert(row, hlc);
          fields += change.getFieldsCount();
          batch.add(change);
          if (batch.size() == PUSH_BATCH) {
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
      transports.add(servers.raw("pusher-" + d));
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
                    push(transport, changes, batchIds);
                  }
                  return null;
                }));
      }
      long retriedBefore = retriedPushes.get();
      long started = System.nanoTime();
      start.countDown();
      for (Future<?> future : done) {
        future.get();
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      long retried = retriedPushes.get() - retriedBefore;
      results.add("push_retried_requests", "requests", store, records, devices, null, retried);
      results.add(
          "push_field_changes_per_s",
          "field changes/s",
          store,
          records,
          devices,
          store.equals("sqlite") ? new Results.Target(">= 50,000", v -> v >= 50_000) : null,
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

  static Schema exampleSchema() {
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
