package io.fieldsync.bench.load;

import io.fieldsync.bench.BenchPostgres;
import io.fieldsync.bench.Workload;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.transport.HttpTransport;
import io.fieldsync.schema.Schema;
import io.fieldsync.server.TokenService;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.SyncStores;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;

/**
 * A sustained-load run: server nodes on one PostgreSQL database in a JVM of their own, many
 * protocol clients with live channels and a few real device databases writing for the whole run
 * through a network that drops, loses, duplicates and delays requests and cuts live channels; the
 * server JVM and the database sampled over time. Then the network heals, every device syncs to the
 * end, and the run checks that every replica and the server equal its own model, that no tenant's
 * sequence has a gap, that no device met an error other than the network's, and that the server's
 * heap and threads stayed within their bounds. A failed check fails the run, after the report is
 * written.
 */
public final class LoadRun {
  private static final Duration TOKEN_LIFE = Duration.ofHours(24);
  private static final Duration DRAIN = Duration.ofMinutes(3);

  private final LoadOptions options;
  private final PrintStream log;
  private final Schema schema = Workload.exampleSchema();

  public LoadRun(LoadOptions options, PrintStream log) {
    this.options = options;
    this.log = log;
  }

  /** Runs, writes the report and returns it; throws when a check failed. */
  public LoadReport run() throws Exception {
    Files.createDirectories(options.out());
    Path work = Files.createTempDirectory("fieldsync-load");
    String stamp = java.time.LocalDateTime.now().withNano(0).toString().replace(':', '-');
    Path serverLog = options.out().resolve("load-" + stamp + "-server.log");
    LoadReport report = new LoadReport(options, stamp);
    try (BenchPostgres postgres = BenchPostgres.start(null)) {
      report.note("PostgreSQL: " + postgres.description());
      String location = postgres.newDatabase();
      Path secretFile = work.resolve("fieldsync.secret");
      TokenService tokens = new TokenService(TokenService.loadOrCreateSecret(secretFile));
      try (ServerNodes nodes =
              ServerNodes.start(
                  location,
                  options.nodes(),
                  secretFile,
                  options.poolSize(),
                  options.serverHeapMegabytes(),
                  serverLog);
          Connection sampling = DriverManager.getConnection(location)) {
        log.printf(
            "load: %d nodes at %s (server JVM pid %d, log %s)%n",
            options.nodes(), nodes.uris(), nodes.pid(), serverLog);
        StoreChecks checks = new StoreChecks(null, sampling, schema);
        drive(nodes, tokens, work, checks, report);
        try (SyncStore store = SyncStores.open(location, new StoreOptions(1, 10_000))) {
          store.migrate(schema);
          check(new StoreChecks(store, sampling, schema), report);
        }
      }
    } finally {
      for (RealDevice device : reals) {
        device.close();
      }
      deleteTree(work);
    }
    report.write(options.out(), log);
    if (!report.failures().isEmpty()) {
      throw new IllegalStateException(
          "the load run failed "
              + report.failures().size()
              + " check(s): "
              + String.join("; ", report.failures())
              + " (report: "
              + options.out().resolve("load-" + stamp + ".md")
              + ")");
    }
    return report;
  }

  private final List<LightDevice> lights = new ArrayList<>();
  private final List<RealDevice> reals = new ArrayList<>();
  private final List<String> tenants = new ArrayList<>();
  private LoadModel model;
  private Tally tally;
  private FlakyNetwork network;

  private void drive(
      ServerNodes nodes, TokenService tokens, Path work, StoreChecks checks, LoadReport report)
      throws Exception {
    model = new LoadModel(schema);
    tally = new Tally();
    network = new FlakyNetwork(options.faultRate(), options.faultDelay().toMillis());
    SplittableRandom random = new SplittableRandom(options.seed());
    ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(options.threads());
    // One connection pool for every protocol client, as on a gateway: sockets, not threads, per
    // device.
    OkHttpClient http = new OkHttpClient.Builder().connectTimeout(Duration.ofSeconds(10)).build();
    Fleet fleet = new Fleet(scheduler, model, tally, options, schema.version());
    Map<String, List<String>> households = new LinkedHashMap<>();
    for (int t = 0; t < options.tenants(); t++) {
      String tenant = "load-" + t;
      tenants.add(tenant);
      households.put(tenant, seedHouseholds(nodes.uris().get(0), tokens, tenant, random));
    }
    int realEvery =
        options.realDevices() == 0 ? Integer.MAX_VALUE : options.devices() / options.realDevices();
    long ramp = Math.min(30_000, options.duration().toMillis() / 10);
    List<Growth.Sample> samples = new ArrayList<>();
    try {
      for (int i = 0; i < options.devices(); i++) {
        String tenant = tenants.get(i / options.tenantSize());
        URI node = nodes.uris().get(i % options.nodes());
        long seed = random.nextLong();
        long start = random.nextLong(ramp + 1);
        if (i % realEvery == 0 && reals.size() < options.realDevices()) {
          String name = "device-" + i;
          String token = tokens.mint(tenant, name, name, null, List.of(), TOKEN_LIFE);
          Path database = work.resolve(name + ".db");
          FieldSyncClient client =
              FieldSyncClient.builder(database)
                  .transport(
                      network.wrap(
                          new HttpTransport(
                              node, token, Duration.ofSeconds(10), Duration.ofSeconds(60)),
                          seed))
                  .seed(seed)
                  .workerSeed(seed)
                  .initialize();
          RealDevice device =
              new RealDevice(fleet, tenant, name, client, database, households.get(tenant), seed);
          reals.add(device);
          device.start(start);
        } else {
          String name = "light-" + i;
          String token = tokens.mint(tenant, name, name, null, List.of(), TOKEN_LIFE);
          LightDevice device =
              new LightDevice(
                  fleet,
                  tenant,
                  name,
                  network.wrap(
                      HttpTransport.builder(node, token)
                          .client(http)
                          .timeouts(Duration.ofSeconds(10), Duration.ofSeconds(60))
                          .build(),
                      seed),
                  households.get(tenant),
                  seed);
          lights.add(device);
          device.start(start);
        }
      }
      log.printf(
          "load: %,d protocol clients and %d device databases in %d tenants, joining over %d s;"
              + " writing for %s%n",
          lights.size(),
          reals.size(),
          tenants.size(),
          ramp / 1000,
          LoadReport.words(options.duration()));
      SplittableRandom cuts = new SplittableRandom(options.seed() ^ 0x5DEECE66DL);
      scheduler.scheduleAtFixedRate(
          () -> {
            if (!network.healed()) {
              for (LightDevice device : lights) {
                if (cuts.nextDouble() < options.liveCutRate()) {
                  device.cut();
                }
              }
            }
          },
          1,
          1,
          TimeUnit.SECONDS);
      long started = System.nanoTime();
      long end = started + options.duration().toNanos();
      long next = started + options.sampleEvery().toNanos();
      while (true) {
        long now = System.nanoTime();
        if (now >= end) {
          break;
        }
        if (now >= next) {
          samples.add(sample(nodes, checks, (now - started) / 1e9));
          next += options.sampleEvery().toNanos();
        }
        Thread.sleep(Math.max(1, Math.min(end, next) - System.nanoTime()) / 1_000_000 + 1);
      }
      // A sample at the very end, so the last tenth has one even when sampling fell behind.
      samples.add(sample(nodes, checks, (System.nanoTime() - started) / 1e9));
      report.samples(samples);
      log.println("load: stopping the writes and healing the network");
      fleet.stop();
      network.heal();
      if (!fleet.awaitIdle(DRAIN)) {
        report.fail(
            fleet.busy()
                + " device(s) still had writes in flight "
                + DRAIN.toSeconds()
                + " s after the network healed");
      }
      long settling = System.nanoTime();
      for (RealDevice device : reals) {
        device.finish();
      }
      inParallel(scheduler, lights, LightDevice::finish);
      for (RealDevice device : reals) {
        device.finish();
      }
      report.note(
          String.format(
              "After the network healed, the devices finished their syncs in %.1f s.",
              (System.nanoTime() - settling) / 1e9));
      report.after(sample(nodes, checks, (System.nanoTime() - started) / 1e9));
    } finally {
      for (LightDevice device : lights) {
        device.disconnect();
      }
      scheduler.shutdownNow();
      scheduler.awaitTermination(30, TimeUnit.SECONDS);
      report.tally(tally, network.injected());
    }
    for (String violation :
        Growth.violations(
            samples,
            options.duration(),
            options.heapGrowthPercent(),
            options.threadGrowthPercent())) {
      report.fail(violation);
    }
  }

  private Growth.Sample sample(ServerNodes nodes, StoreChecks checks, double seconds)
      throws Exception {
    ServerNodes.Reading reading = nodes.read();
    Map<String, Long> errors = tally.errors();
    Growth.Sample sample =
        new Growth.Sample(
            seconds,
            reading.heapUsed(),
            reading.heapAfterGc(),
            reading.threads(),
            checks.connections(),
            reading.liveChannels(),
            tally.summary(LoadReport.LIGHT_SYNC).count()
                + tally.summary(LoadReport.DEVICE_SYNC).count(),
            errors.values().stream().mapToLong(Long::longValue).sum());
    log.printf(
        "load: %5.0f s  heap %,d MB (after GC %,d MB)  threads %d  db connections %d  live %,d"
            + "  syncs %,d  errors %,d%n",
        seconds,
        sample.heapUsed() >> 20,
        sample.heapAfterGc() >> 20,
        sample.threads(),
        sample.connections(),
        sample.liveChannels(),
        sample.syncs(),
        sample.errors());
    return sample;
  }

  /** Every device against the model, the server against the model, every tenant's sequence. */
  private void check(StoreChecks store, LoadReport report) throws Exception {
    int compared = 0;
    long rows = 0;
    for (String tenant : tenants) {
      Rows expected = model.rows(tenant);
      rows += expected.size();
      List<String> server = expected.differences(store.rows(tenant), "model", "server", 5);
      server.forEach(difference -> report.fail("tenant " + tenant + ": " + difference));
      store.sequenceGap(tenant).ifPresent(report::fail);
    }
    for (LightDevice device : lights) {
      compared++;
      expected(device.tenant())
          .differences(device.replica(schema), "model", device.name(), 3)
          .forEach(difference -> report.fail(device.tenant() + ": " + difference));
    }
    for (RealDevice device : reals) {
      compared++;
      expected(device.tenant())
          .differences(device.replica(schema), "model", device.name(), 3)
          .forEach(difference -> report.fail(device.tenant() + ": " + difference));
    }
    report.converged(rows);
    report.note(
        String.format(
            "Convergence: the model's %,d rows in %d tenants compared with the server's store and"
                + " with each of the %,d devices; sequences of every tenant checked for gaps.",
            rows, tenants.size(), compared));
    for (Map.Entry<String, Long> error : tally.errors().entrySet()) {
      if (!LoadReport.expected(error.getKey())) {
        report.fail(error.getValue() + " unexpected error(s): " + error.getKey());
      }
    }
  }

  private final Map<String, Rows> expected = new java.util.HashMap<>();

  private Rows expected(String tenant) {
    return expected.computeIfAbsent(tenant, model::rows);
  }

  /** The tenant's households, pushed by a setup device straight to a node (no faults). */
  private List<String> seedHouseholds(
      URI node, TokenService tokens, String tenant, SplittableRandom random) {
    HttpTransport setup =
        new HttpTransport(
            node,
            tokens.mint(tenant, "setup", "setup", null, List.of(), TOKEN_LIFE),
            Duration.ofSeconds(10),
            Duration.ofSeconds(60));
    long hlc = System.currentTimeMillis() << 16;
    PushRequest.Builder push =
        PushRequest.newBuilder()
            .setBatchId(new UUID(random.nextLong(), random.nextLong()).toString())
            .setSchemaVersion(schema.version())
            .setDeviceHlc(hlc);
    List<String> ids = new ArrayList<>();
    for (int h = 0; h < options.households(); h++) {
      String id = new UUID(random.nextLong(), random.nextLong()).toString();
      Map<String, Object> values = new LinkedHashMap<>();
      values.put("region", h % 2 == 0 ? "north" : "south");
      values.put("head_name", "Head " + h);
      values.put("members", 1L);
      values.put("visit_count", 0L);
      Change.Builder change =
          Change.newBuilder()
              .setTable("households")
              .setRecordId(id)
              .setOp(Op.OP_INSERT)
              .setHlc(hlc);
      values.forEach((column, value) -> change.addFields(UserWrites.field(column, value, hlc)));
      push.addChanges(change);
      model.insert(tenant, "households", id, values);
      ids.add(id);
    }
    PushResponse response = setup.push(push.build());
    if (response.getApplied() != options.households()) {
      throw new IllegalStateException(
          "the server applied "
              + response.getApplied()
              + " of tenant "
              + tenant
              + "'s "
              + options.households()
              + " households");
    }
    return ids;
  }

  private static <T> void inParallel(
      ScheduledExecutorService threads, List<T> items, java.util.function.Consumer<T> action) {
    CompletableFuture.allOf(
            items.stream()
                .map(item -> CompletableFuture.runAsync(() -> action.accept(item), threads))
                .toArray(CompletableFuture[]::new))
        .join();
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
