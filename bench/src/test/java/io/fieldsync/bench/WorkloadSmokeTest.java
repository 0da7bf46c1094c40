package io.fieldsync.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the whole workload driver at tiny sizes to prove every scenario works end to end and the
 * report carries every metric. It never judges speed.
 */
class WorkloadSmokeTest {
  static final List<String> EVERY_METRIC =
      List.of(
          "seed_field_changes_per_s",
          "snapshot_seconds",
          "snapshot_records_per_s",
          "incremental_push_bytes",
          "incremental_pull_bytes",
          "incremental_baseline_bytes",
          "incremental_push_ratio",
          "incremental_pull_ratio",
          "noop_requests",
          "noop_ms",
          "convergence_ms",
          "live_convergence_ms",
          "live_idle_heap_bytes_per_device",
          "live_idle_threads_per_device",
          "capture_insert_overhead",
          "capture_update_overhead",
          "encrypted_capture_insert_cost",
          "encrypted_capture_update_cost",
          "push_field_changes_per_s");

  /** With --quick the device scenario runs at the smallest data set only. */
  static final List<String> DEVICE_METRICS =
      List.of(
          "device_insert_records_per_s",
          "device_push_records_per_s",
          "device_push_field_changes_per_s",
          "device_pull_records_per_s",
          "device_edits_push_ms",
          "device_edits_pull_ms",
          "device_noop_ms");

  /** The device scenario's commands need the product jar, which this module's build lacks. */
  static final List<String> DEVICE_COMMAND_METRICS =
      List.of(
          "device_cmd_push_wall_ms",
          "device_cmd_pull_wall_ms",
          "device_cmd_edits_push_wall_ms",
          "device_cmd_edits_pull_wall_ms",
          "device_cmd_noop_wall_ms",
          "device_cmd_status_wall_ms");

  @Test
  void tinyRunReportsEveryMetric(@TempDir Path dir) throws Exception {
    Path docs = dir.resolve("docs/benchmarks.md");
    Files.createDirectories(docs.getParent());
    Files.writeString(docs, "# Benchmarks\n\nHand-written analysis stays.\n");
    BenchOptions options =
        new BenchOptions(
            true,
            List.of(300L, 600L),
            List.of(1, 3),
            1,
            dir.resolve("out"),
            11,
            List.of("sqlite", "postgres"),
            null,
            100,
            300,
            200,
            2,
            docs,
            false,
            Set.of(),
            null,
            false,
            "fieldsync bench (smoke test)");
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    Workload workload =
        new Workload(
            options, new PrintStream(log, true, StandardCharsets.UTF_8), Clock.systemUTC());
    Path json = workload.run();
    System.out.print(log.toString(StandardCharsets.UTF_8));

    JsonObject report = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
    Set<String> found = new HashSet<>();
    for (JsonElement element : report.getAsJsonArray("metrics")) {
      JsonObject metric = element.getAsJsonObject();
      found.add(metric.get("metric").getAsString() + "@" + metric.get("records").getAsLong());
      assertThat(metric.get("median").getAsDouble())
          .as("median of %s", metric)
          .isGreaterThanOrEqualTo(0);
    }
    for (String metric : EVERY_METRIC) {
      for (long records : List.of(300L, 600L)) {
        assertThat(found).as("log:%n%s", log).contains(metric + "@" + records);
      }
    }
    for (String metric : DEVICE_METRICS) {
      assertThat(found).as("log:%n%s", log).contains(metric + "@300");
      assertThat(found).as("log:%n%s", log).contains("encrypted_" + metric + "@300");
    }
    assertThat(report.getAsJsonObject("machine").get("cores").getAsInt()).isPositive();
    // Without --postgres-url the driver starts an embedded PostgreSQL and measures it too.
    Set<String> postgresMetrics = new HashSet<>();
    for (JsonElement element : report.getAsJsonArray("metrics")) {
      JsonObject metric = element.getAsJsonObject();
      if (metric.get("store").getAsString().equals("postgres")) {
        postgresMetrics.add(metric.get("metric").getAsString());
      }
    }
    assertThat(postgresMetrics)
        .containsAll(EVERY_METRIC)
        .containsAll(DEVICE_METRICS)
        .doesNotContainAnyElementsOf(DEVICE_COMMAND_METRICS);
    assertThat(report.getAsJsonArray("notes").toString())
        .contains("PostgreSQL store measured on an embedded PostgreSQL")
        .contains("were left out with --no-device-commands");
    String markdown = Files.readString(docs);
    assertThat(markdown)
        .contains("Hand-written analysis stays.")
        .contains(Report.BEGIN)
        .contains("push_field_changes_per_s")
        .contains("fieldsync bench (smoke test)")
        .contains("shared 2-core machine");
    assertThat(Files.readString(dir.resolve("out/latest.json"))).isEqualTo(Files.readString(json));

    // Writing the report again replaces the generated section instead of appending another one.
    new Report(options, workload.results(), Clock.systemUTC())
        .write(new PrintStream(log, true, StandardCharsets.UTF_8));
    String again = Files.readString(docs);
    assertThat(again.indexOf(Report.BEGIN)).isEqualTo(again.lastIndexOf(Report.BEGIN));
    assertThat(again).contains("Hand-written analysis stays.");
  }
}
