package io.fieldsync.server.http;

import static io.fieldsync.server.Households.batch;
import static io.fieldsync.server.Households.delete;
import static io.fieldsync.server.Households.field;
import static io.fieldsync.server.Households.hlc;
import static io.fieldsync.server.Households.insertHousehold;
import static io.fieldsync.server.Households.update;
import static io.fieldsync.server.Households.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.server.Households;
import io.fieldsync.server.ServerMetrics;
import io.fieldsync.testkit.PrometheusText;
import io.fieldsync.testkit.PrometheusText.Sample;
import io.fieldsync.testkit.RawHttp;
import io.fieldsync.testkit.SeededTest;
import io.fieldsync.testkit.TestServer;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PushRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /metrics} of a real server after real pushes and pulls of two tenants: the answer
 * parses with the Prometheus client's parser, passes {@code promtool check metrics}, and every
 * count equals what the test's own model of its requests says.
 */
class MetricsEndpointTest {
  @TempDir Path dir;
  TestServer server;
  final long t = Households.START_MILLIS;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** What the test did, counted as the server must count it. */
  static final class Model {
    final Map<String, Integer> pushes = new HashMap<>();
    final Map<String, Integer> replays = new HashMap<>();
    final Map<String, Integer> pulls = new HashMap<>();
    final Map<String, Integer> pulledRecords = new HashMap<>();
    final Map<String, Integer> records = new HashMap<>();
    final Map<String, Integer> changes = new HashMap<>(); // "table/outcome"
    int snapshotPages;
    int recordMerges;
    int cappedStamps;
    int pushRequests;
    int pullRequests;

    void change(String table, String outcome, int count) {
      changes.merge(table + "/" + outcome, count, Integer::sum);
    }
  }

  @SeededTest(runs = 2)
  void countsMatchWhatTheTestDid(long seed) throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    server = Households.server(dir).start();
    RawHttp http = server.raw();
    Model model = new Model();
    int nextId = 1;
    List<String> tenants = List.of(TestServer.TENANT, "globex");
    for (String tenant : tenants) {
      String writer = server.token(tenant, "d1");
      String other = server.token(tenant, "d2");
      int batches = 1 + random.nextInt(4);
      List<PushRequest> sent = new ArrayList<>();
      for (int b = 0; b < batches; b++) {
        List<Change> changes = new ArrayList<>();
        int inserts = 1 + random.nextInt(6);
        for (int i = 0; i < inserts; i++) {
          changes.add(insertHousehold(nextId++, "north", hlc(t)));
        }
        model.change("households", "applied", inserts);
        model.records.merge(tenant, inserts, Integer::sum);
        int unknown = random.nextInt(3);
        for (int i = 0; i < unknown; i++) {
          changes.add(
              Change.newBuilder()
                  .setTable("no_such_table")
                  .setRecordId(uuid(nextId++))
                  .setOp(Op.OP_INSERT)
                  .setHlc(hlc(t))
                  .build());
        }
        model.change(ServerMetrics.UNKNOWN_TABLE, "rejected", unknown);
        int missing = random.nextInt(3);
        for (int i = 0; i < missing; i++) {
          // an update of a record the server does not have is refused
          changes.add(
              update("households", uuid(nextId++), 0, hlc(t), field("head_name", "X", hlc(t))));
        }
        model.change("households", "rejected", missing);
        PushRequest request = batch(tenant + "-b" + b, changes.toArray(Change[]::new));
        http.push(writer, request);
        sent.add(request);
        model.pushes.merge(tenant, 1, Integer::sum);
        model.pushRequests++;
      }
      // Concurrent edits: d1 sets notes (manual) and status (server_wins), d2 edits both from
      // before: notes go to the review queue (parked), status keeps d1's value (merged).
      int conflicts = random.nextInt(3);
      for (int c = 0; c < conflicts; c++) {
        int id = nextId++;
        http.push(writer, batch(tenant + "-c" + c, insertHousehold(id, "north", hlc(t))));
        http.push(
            writer,
            batch(
                tenant + "-c" + c + "-d1",
                update(
                    "households",
                    uuid(id),
                    0,
                    hlc(t + 1),
                    field("notes", "from d1", hlc(t + 1)),
                    field("status", "open", hlc(t + 1)))));
        http.push(
            other,
            batch(
                tenant + "-c" + c + "-notes",
                update(
                    "households", uuid(id), 0, hlc(t + 2), field("notes", "from d2", hlc(t + 2)))));
        http.push(
            other,
            batch(
                tenant + "-c" + c + "-status",
                update(
                    "households", uuid(id), 0, hlc(t + 2), field("status", "closed", hlc(t + 2)))));
        model.change("households", "applied", 2);
        model.change("households", "parked", 1);
        model.change("households", "merged", 1);
        model.records.merge(tenant, 1, Integer::sum);
        model.pushes.merge(tenant, 4, Integer::sum);
        model.pushRequests += 4;
      }
      // delete_wins: d2's edit of a household d1 deleted is not applied (a record-level merge).
      int deleted = random.nextInt(2);
      for (int d = 0; d < deleted; d++) {
        int id = nextId++;
        http.push(writer, batch(tenant + "-x" + d, insertHousehold(id, "north", hlc(t))));
        http.push(
            writer,
            batch(tenant + "-x" + d + "-delete", delete("households", uuid(id), 0, hlc(t + 1))));
        http.push(
            other,
            batch(
                tenant + "-x" + d + "-edit",
                update(
                    "households", uuid(id), 0, hlc(t + 2), field("head_name", "B", hlc(t + 2)))));
        model.change("households", "applied", 2);
        model.change("households", "merged", 1);
        model.recordMerges++;
        model.records.merge(tenant, 1, Integer::sum); // pulls send its tombstone
        model.pushes.merge(tenant, 3, Integer::sum);
        model.pushRequests += 3;
      }
      // A stamp an hour ahead: the change's and its three fields' stamps are capped.
      if (random.nextBoolean()) {
        http.push(
            writer,
            batch(tenant + "-future", insertHousehold(nextId++, "north", hlc(t + 3_600_000))));
        model.change("households", "applied", 1);
        model.records.merge(tenant, 1, Integer::sum);
        model.pushes.merge(tenant, 1, Integer::sum);
        model.pushRequests++;
        model.cappedStamps += 4;
      }
      // A batch delivered again is answered from the ledger and counts no changes.
      int replays = random.nextInt(3);
      for (int r = 0; r < replays; r++) {
        http.push(writer, sent.get(random.nextInt(sent.size())));
        model.pushes.merge(tenant, 1, Integer::sum);
        model.replays.merge(tenant, 1, Integer::sum);
        model.pushRequests++;
      }
      int pulls = 1 + random.nextInt(3);
      String reader = server.token(tenant, "reader");
      for (int p = 0; p < pulls; p++) {
        http.pull(reader, PullRequest.newBuilder().setLimit(1000).build());
        model.pulls.merge(tenant, 1, Integer::sum);
        model.pulledRecords.merge(tenant, model.records.get(tenant), Integer::sum);
        model.pullRequests++;
      }
      if (random.nextBoolean()) {
        http.pull(reader, PullRequest.newBuilder().setLimit(1000).setSnapshot(true).build());
        model.pulls.merge(tenant, 1, Integer::sum);
        model.pulledRecords.merge(tenant, model.records.get(tenant), Integer::sum);
        model.snapshotPages++;
        model.pullRequests++;
      }
    }
    assertThat(http.get("/v1/no-such-path", null).statusCode()).isEqualTo(404);

    HttpResponse<String> scraped = http.get("/metrics", null);
    assertThat(scraped.statusCode()).isEqualTo(200);
    assertThat(scraped.headers().firstValue("Content-Type"))
        .contains("text/plain; version=0.0.4; charset=utf-8");
    String exposition = scraped.body();
    PrometheusText.promtoolCheck(exposition, dir);
    List<Sample> samples = PrometheusText.parse(exposition, dir);

    for (String tenant : tenants) {
      assertThat(value(samples, "fieldsync_pushes_total", "tenant", tenant, "replayed", "false"))
          .as("pushes of %s", tenant)
          .isEqualTo(model.pushes.get(tenant) - model.replays.getOrDefault(tenant, 0));
      assertThat(sum(samples, "fieldsync_pushes_total", "tenant", tenant, "replayed", "true"))
          .isEqualTo(model.replays.getOrDefault(tenant, 0));
      assertThat(value(samples, "fieldsync_pulls_total", "tenant", tenant))
          .isEqualTo(model.pulls.get(tenant));
      assertThat(value(samples, "fieldsync_pulled_records_total", "tenant", tenant))
          .isEqualTo(model.pulledRecords.get(tenant));
    }
    for (String table : List.of("households", "visits", ServerMetrics.UNKNOWN_TABLE)) {
      for (String outcome : List.of("applied", "merged", "rejected", "parked")) {
        assertThat(value(samples, "fieldsync_changes_total", "table", table, "outcome", outcome))
            .as("changes of %s %s", table, outcome)
            .isEqualTo(model.changes.getOrDefault(table + "/" + outcome, 0));
      }
    }
    int conflicts = model.changes.getOrDefault("households/parked", 0);
    assertThat(
            sum(samples, "fieldsync_conflicts_total", "table", "households", "strategy", "manual"))
        .isEqualTo(conflicts);
    assertThat(
            sum(
                samples,
                "fieldsync_conflicts_total",
                "table",
                "households",
                "strategy",
                "server_wins"))
        .isEqualTo(conflicts);
    assertThat(
            sum(samples, "fieldsync_conflicts_total", "table", "households", "strategy", "record"))
        .isEqualTo(model.recordMerges);
    assertThat(sum(samples, "fieldsync_conflicts_total"))
        .isEqualTo(2 * conflicts + model.recordMerges);
    assertThat(sum(samples, "fieldsync_snapshot_pages_total")).isEqualTo(model.snapshotPages);
    assertThat(value(samples, "fieldsync_clock_skew_capped_total")).isEqualTo(model.cappedStamps);
    assertThat(
            value(
                samples,
                "fieldsync_http_requests_seconds_count",
                "endpoint",
                "/v1/push",
                "status",
                "200"))
        .isEqualTo(model.pushRequests);
    assertThat(
            value(
                samples,
                "fieldsync_http_requests_seconds_bucket",
                "endpoint",
                "/v1/pull",
                "status",
                "200",
                "le",
                "+Inf"))
        .isEqualTo(model.pullRequests);
    assertThat(
            value(
                samples,
                "fieldsync_http_requests_seconds_count",
                "endpoint",
                "other",
                "status",
                "404"))
        .isEqualTo(1);
    assertThat(value(samples, "fieldsync_errors_total", "error", "not_found")).isEqualTo(1);
    assertThat(value(samples, "fieldsync_live_connections")).isZero();
    assertThat(value(samples, "fieldsync_store_readers_max")).isEqualTo(8);
    assertThat(sum(samples, "fieldsync_store_writer_wait_seconds_count")).isPositive();
    assertThat(PrometheusText.sum(samples, "jvm_memory_used_bytes", Map.of())).isPositive();
    assertThat(value(samples, "jvm_threads_live_threads")).isPositive();
    assertThat(value(samples, "fieldsync_purge_runs_total", "outcome", "ok")).isZero();

    server.server().purgeTombstones();
    List<Sample> after = PrometheusText.parse(http.get("/metrics", null).body(), dir);
    assertThat(value(after, "fieldsync_purge_runs_total", "outcome", "ok")).isEqualTo(1);
  }

  /** The count in the one sample with exactly these labels; fails when there is none. */
  private static int value(List<Sample> samples, String name, String... labels) {
    Map<String, String> wanted = labels(labels);
    return whole(
        PrometheusText.find(samples, name, wanted)
            .orElseThrow(() -> new AssertionError("no sample " + name + wanted))
            .value());
  }

  private static int sum(List<Sample> samples, String name, String... labels) {
    return whole(PrometheusText.sum(samples, name, labels(labels)));
  }

  private static int whole(double value) {
    assertThat(value).as("a count").isEqualTo(Math.rint(value));
    return (int) value;
  }

  private static Map<String, String> labels(String... pairs) {
    Map<String, String> labels = new HashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      labels.put(pairs[i], pairs[i + 1]);
    }
    return labels;
  }
}
