package io.fieldsync.server;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.ChangeResult;
import io.fieldsync.wire.ChangeStatus;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * What a running server counts, in one Micrometer registry that {@code GET /metrics} serves in the
 * Prometheus text format (docs/operations.md lists every series). Counting costs a counter
 * increment or a timer per request or batch; the only pass over a batch's changes compares each
 * change's table name with the previous one, to count changes per table, and only the results of
 * conflicts (merged, parked) are looked at one by one, to count them by strategy.
 *
 * <p>Series per tenant ({@code tenant} label) are kept for the first {@value #TENANT_LABELS}
 * tenants seen; later tenants share the label {@value #OTHER_TENANTS}, so a server of many tenants
 * keeps a bounded number of series. Tables are the schema's; a change naming another table counts
 * under {@value #UNKNOWN_TABLE}.
 *
 * <p>Thread-safe; values only grow.
 */
public final class ServerMetrics implements AutoCloseable {
  /** How many tenants get series of their own. */
  public static final int TENANT_LABELS = 100;

  /** The tenant label of every tenant past the first {@value #TENANT_LABELS}. */
  public static final String OTHER_TENANTS = "_other";

  /** The strategy label of a change merged by a record-level rule rather than a column's. */
  public static final String RECORD_RULE = ConflictStrategies.RECORD_RULE;

  /** The table label of a change naming a table the schema does not have. */
  public static final String UNKNOWN_TABLE = "_unknown";

  /** The latency histogram's buckets: a pull page to a slow snapshot page. */
  private static final Duration[] LATENCY_BUCKETS = {
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10)
  };

  private static final List<ChangeStatus> OUTCOMES =
      List.of(
          ChangeStatus.APPLIED, ChangeStatus.MERGED, ChangeStatus.REJECTED, ChangeStatus.PARKED);

  private final Schema schema;
  private final ConflictStrategies conflictStrategies;
  private final PrometheusMeterRegistry registry;
  private final JvmGcMetrics gc;
  private final Map<String, String> tenantLabels = new ConcurrentHashMap<>();
  private final Map<String, Counter[]> changesByTable = new HashMap<>();
  private final Meter.MeterProvider<Counter> pushes;
  private final Meter.MeterProvider<Counter> pulls;
  private final Meter.MeterProvider<Counter> recordsPulled;
  private final Meter.MeterProvider<Counter> snapshotPages;
  private final Meter.MeterProvider<Counter> errors;
  private final Meter.MeterProvider<Counter> conflicts;
  private final Meter.MeterProvider<Timer> requests;
  private final Counter clockSkewCapped;
  private final Meter.MeterProvider<Counter> verifyRequested;
  private final Counter purgeRuns;
  private final Counter purgeFailures;
  private final Counter tombstonesPurged;

  ServerMetrics(Schema schema) {
    this.schema = schema;
    this.conflictStrategies = new ConflictStrategies(schema);
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Two of Micrometer's standard names break Prometheus's naming rules (promtool check
    // metrics): a unit abbreviated (process_cpu_time_ns_total, the same as process_cpu_usage
    // over time) and a gauge ending in _count (system_cpu_count).
    registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")));
    registry
        .config()
        .meterFilter(
            new MeterFilter() {
              @Override
              public Meter.Id map(Meter.Id id) {
                return id.getName().equals("system.cpu.count")
                    ? id.withName("system.cpu.cores")
                    : id;
              }
            });
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    this.gc = new JvmGcMetrics();
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    for (String table : schema.tables().keySet()) {
      changesByTable.put(table, changeCounters(table));
    }
    changesByTable.put(UNKNOWN_TABLE, changeCounters(UNKNOWN_TABLE));
    this.pushes =
        Counter.builder("fieldsync.pushes")
            .description("Push requests answered; replayed=true: a batch answered before")
            .withRegistry(registry);
    this.pulls =
        Counter.builder("fieldsync.pulls")
            .description("Pull pages answered")
            .withRegistry(registry);
    this.recordsPulled =
        Counter.builder("fieldsync.pulled.records")
            .description("Records sent in pull pages")
            .withRegistry(registry);
    this.snapshotPages =
        Counter.builder("fieldsync.snapshot.pages")
            .description("Pull pages of snapshots (a device resyncing)")
            .withRegistry(registry);
    this.errors =
        Counter.builder("fieldsync.errors")
            .description("Requests answered with an error, by error code")
            .withRegistry(registry);
    this.conflicts =
        Counter.builder("fieldsync.conflicts")
            .description(
                "Pushed changes merged or parked, by table and the strategy that decided: a"
                    + " column's conflict strategy, or record (a record-level rule)")
            .withRegistry(registry);
    this.requests =
        Timer.builder("fieldsync.http.requests")
            .description("Time to answer a request, by endpoint and status")
            .serviceLevelObjectives(LATENCY_BUCKETS)
            .withRegistry(registry);
    this.clockSkewCapped =
        Counter.builder("fieldsync.clock.skew.capped")
            .description("Device clock stamps too far ahead of the server clock, capped")
            .register(registry);
    this.verifyRequested =
        Counter.builder("fieldsync.verify.requested")
            .description(
                "Pushes answered with verify_reason: the device showed signs that its rows differ")
            .withRegistry(registry);
    this.purgeRuns =
        Counter.builder("fieldsync.purge.runs")
            .description("Tombstone purges run")
            .tag("outcome", "ok")
            .register(registry);
    this.purgeFailures =
        Counter.builder("fieldsync.purge.runs")
            .description("Tombstone purges run")
            .tag("outcome", "failed")
            .register(registry);
    this.tombstonesPurged =
        Counter.builder("fieldsync.purge.tombstones")
            .description("Tombstones removed by purges")
            .register(registry);
  }

  private Counter[] changeCounters(String table) {
    Counter[] counters = new Counter[ChangeStatus.values().length];
    for (ChangeStatus status : OUTCOMES) {
      counters[status.ordinal()] =
          Counter.builder("fieldsync.changes")
              .description(
                  "Pushed changes by table and outcome (applied, merged, rejected, parked)")
              .tag("table", table)
              .tag("outcome", outcome(status))
              .register(registry);
    }
    return counters;
  }

  private static String outcome(ChangeStatus status) {
    return switch (status) {
      case APPLIED -> "applied";
      case MERGED -> "merged";
      case PARKED -> "parked";
      default -> "rejected";
    };
  }

  /** The registry, for more meters (the server's live connections, the store's pool). */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Every series in the Prometheus text format (version 0.0.4). */
  public String scrape() {
    return registry.scrape();
  }

  /** Push requests answered (including replays). */
  public long pushes() {
    return sum("fieldsync.pushes", null, null);
  }

  /** Pushes answered with a recorded outcome. */
  public long replayedPushes() {
    return sum("fieldsync.pushes", "replayed", "true");
  }

  public long pulls() {
    return sum("fieldsync.pulls", null, null);
  }

  public long changesApplied() {
    return sum("fieldsync.changes", "outcome", "applied");
  }

  public long changesMerged() {
    return sum("fieldsync.changes", "outcome", "merged");
  }

  public long changesRejected() {
    return sum("fieldsync.changes", "outcome", "rejected");
  }

  public long changesParked() {
    return sum("fieldsync.changes", "outcome", "parked");
  }

  public long recordsPulled() {
    return sum("fieldsync.pulled.records", null, null);
  }

  /** Device HLC stamps that were too far in the future and were capped. */
  public long clockSkewCapped() {
    return (long) clockSkewCapped.count();
  }

  /** Requests answered with an error status. */
  public long errors() {
    return sum("fieldsync.errors", null, null);
  }

  private long sum(String name, String tag, String value) {
    var search = registry.find(name);
    if (tag != null) {
      search = search.tag(tag, value);
    }
    double total = 0;
    for (Counter counter : search.counters()) {
      total += counter.count();
    }
    return (long) total;
  }

  /** Counts an answered push: per tenant, and its changes per table and outcome. */
  public void push(String tenant, PushRequest request, PushResponse response) {
    boolean replayed = response.getReplayed();
    pushes
        .withTags("tenant", tenantLabel(tenant), "replayed", Boolean.toString(replayed))
        .increment();
    if (replayed) {
      return;
    }
    // Changes per table: one entry per run of the same table (the device sends them grouped).
    Map<String, int[]> perTable = new HashMap<>();
    List<Change> changes = request.getChangesList();
    String run = null;
    int length = 0;
    for (Change change : changes) {
      String table = change.getTable();
      if (!table.equals(run)) {
        addRun(perTable, run, length);
        run = table;
        length = 0;
      }
      length++;
    }
    addRun(perTable, run, length);
    for (ChangeResult result : response.getResultsList()) {
      if (result.getStatus() == ChangeStatus.APPLIED
          || result.getIndex() < 0
          || result.getIndex() >= changes.size()) {
        continue;
      }
      Change change = changes.get(result.getIndex());
      int[] counts = perTable.get(tableLabel(change.getTable()));
      counts[ChangeStatus.APPLIED.ordinal()]--;
      counts[outcomeOf(result.getStatus()).ordinal()]++;
      countConflict(change, result);
    }
    perTable.forEach(
        (table, counts) -> {
          Counter[] counters = changesByTable.get(table);
          for (ChangeStatus status : OUTCOMES) {
            if (counts[status.ordinal()] > 0) {
              counters[status.ordinal()].increment(counts[status.ordinal()]);
            }
          }
        });
  }

  private void addRun(Map<String, int[]> perTable, String table, int length) {
    if (length > 0) {
      int[] counts =
          perTable.computeIfAbsent(tableLabel(table), key -> new int[ChangeStatus.values().length]);
      counts[ChangeStatus.APPLIED.ordinal()] += length;
    }
  }

  /**
   * Counts a merged or parked change under the strategies that decided it: parked columns under
   * theirs ({@code manual}); for a merge, the columns whose value ended other than sent, or {@link
   * ConflictStrategies#RECORD_RULE} when none did (a delete rule, a deleted parent). Runs per
   * conflict only.
   */
  private void countConflict(Change change, ChangeResult result) {
    Table table = schema.table(change.getTable());
    if (table == null) {
      return;
    }
    for (String strategy : conflictStrategies.of(change, result)) {
      conflicts.withTags("table", table.name(), "strategy", strategy).increment();
    }
  }

  private static ChangeStatus outcomeOf(ChangeStatus status) {
    return OUTCOMES.contains(status) ? status : ChangeStatus.REJECTED;
  }

  private String tableLabel(String table) {
    return changesByTable.containsKey(table) ? table : UNKNOWN_TABLE;
  }

  /** Counts an answered pull page. */
  public void pull(String tenant, int records, boolean snapshot) {
    String label = tenantLabel(tenant);
    pulls.withTags("tenant", label).increment();
    recordsPulled.withTags("tenant", label).increment(records);
    if (snapshot) {
      snapshotPages.withTags("tenant", label).increment();
    }
  }

  /** Counts a push whose answer asked the device to verify its rows. */
  public void verifyRequested(String tenant) {
    verifyRequested.withTags("tenant", tenantLabel(tenant)).increment();
  }

  public void clockSkewCapped(long count) {
    clockSkewCapped.increment(count);
  }

  /** Counts a request answered with an error, by its error code ({@code bad_request}, ...). */
  public void error(String code) {
    errors.withTags("error", code).increment();
  }

  /** Times an answered request. */
  public void request(String endpoint, int status, long nanos) {
    requests
        .withTags("endpoint", endpoint, "status", Integer.toString(status))
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  void purged(long tombstones) {
    purgeRuns.increment();
    tombstonesPurged.increment(tombstones);
  }

  void purgeFailed() {
    purgeFailures.increment();
  }

  private String tenantLabel(String tenant) {
    String label = tenantLabels.get(tenant);
    if (label != null) {
      return label;
    }
    if (tenantLabels.size() >= TENANT_LABELS) {
      return OTHER_TENANTS;
    }
    return tenantLabels.computeIfAbsent(tenant, key -> key);
  }

  /** Stops the JVM binders that hold resources (GC notifications). */
  @Override
  public void close() {
    gc.close();
    registry.close();
  }

  private final Map<String, Supplier<? extends JsonElement>> healthParts =
      new ConcurrentHashMap<>();

  /**
   * Adds a part to the {@code GET /v1/health} answer under {@code name} (the uplink's state), until
   * {@link #removeHealthPart}. {@code part} is called on every health request and must be quick.
   */
  public void healthPart(String name, Supplier<? extends JsonElement> part) {
    healthParts.put(name, part);
  }

  public void removeHealthPart(String name) {
    healthParts.remove(name);
  }

  /** The {@code GET /v1/health} answer: {@code "status": "ok"} and the parts added. */
  public JsonObject health() {
    JsonObject health = new JsonObject();
    health.addProperty("status", "ok");
    healthParts.forEach((name, part) -> health.add(name, part.get()));
    return health;
  }
}
