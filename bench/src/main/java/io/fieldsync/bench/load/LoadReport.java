package io.fieldsync.bench.load;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The report of a load run, in Markdown ({@code load-TIME.md} in the output directory, also
 * printed) with the server samples as CSV beside it ({@code load-TIME-samples.csv}): settings, the
 * outcome of every check, latencies, errors by kind, the faults injected and the server over time.
 * Filled from the driver's thread.
 */
public final class LoadReport {
  static final String LIGHT_SYNC = "light sync (push + pull, retries included)";
  static final String DEVICE_SYNC = "device sync (syncNow)";

  private final LoadOptions options;
  private final String stamp;
  private final double loadAtStart =
      ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  private final List<String> notes = new ArrayList<>();
  private final List<String> failures = new ArrayList<>();
  private List<Growth.Sample> samples = List.of();
  private Growth.Sample after;
  private long convergedRows;
  private List<Tally.Summary> latencies = List.of();
  private Map<String, Long> errors = Map.of();
  private Map<FlakyNetwork.Fault, Long> faults = Map.of();

  LoadReport(LoadOptions options, String stamp) {
    this.options = options;
    this.stamp = stamp;
  }

  /** Whether an error of this kind is one the network causes (else it fails the run). */
  static boolean expected(String kind) {
    return kind.contains("injected fault")
        || kind.startsWith("live channel: ")
        || kind.endsWith(": HTTP 503")
        || kind.endsWith(": timed out")
        || kind.endsWith(": transport failed");
  }

  /** How many rows of the model the checks compared with the server and every device. */
  public long convergedRows() {
    return convergedRows;
  }

  void converged(long rows) {
    this.convergedRows = rows;
  }

  void note(String note) {
    notes.add(note);
  }

  void fail(String failure) {
    failures.add(failure);
  }

  /** The checks that failed, in words; empty when the run passed. */
  public List<String> failures() {
    return List.copyOf(failures);
  }

  /** The server samples taken while the devices wrote. */
  public List<Growth.Sample> samples() {
    return samples;
  }

  /** The latency of one kind of operation. */
  public Tally.Summary latency(String operation) {
    return latencies.stream()
        .filter(summary -> summary.operation().equals(operation))
        .findFirst()
        .orElse(new Tally.Summary(operation, 0, 0, 0, 0));
  }

  public Map<String, Long> errors() {
    return errors;
  }

  public Map<FlakyNetwork.Fault, Long> faults() {
    return faults;
  }

  void samples(List<Growth.Sample> samples) {
    this.samples = List.copyOf(samples);
  }

  void after(Growth.Sample sample) {
    this.after = sample;
  }

  void tally(Tally tally, Map<FlakyNetwork.Fault, Long> injected) {
    this.latencies = tally.summaries();
    this.errors = tally.errors();
    this.faults = injected;
  }

  /** Writes the Markdown and the CSV, prints the Markdown. */
  void write(Path out, PrintStream log) throws IOException {
    String markdown = markdown();
    Files.writeString(out.resolve("load-" + stamp + ".md"), markdown, StandardCharsets.UTF_8);
    StringBuilder csv =
        new StringBuilder(
            "seconds,heap_used_bytes,heap_after_gc_bytes,threads,db_connections,live_channels,"
                + "syncs,errors\n");
    for (Growth.Sample sample : samples) {
      csv.append(
          String.format(
              "%.1f,%d,%d,%d,%d,%d,%d,%d%n",
              sample.seconds(),
              sample.heapUsed(),
              sample.heapAfterGc(),
              sample.threads(),
              sample.connections(),
              sample.liveChannels(),
              sample.syncs(),
              sample.errors()));
    }
    Files.writeString(out.resolve("load-" + stamp + "-samples.csv"), csv, StandardCharsets.UTF_8);
    log.println();
    log.print(markdown);
  }

  String markdown() {
    StringBuilder text = new StringBuilder();
    text.append("### Sustained load run ").append(stamp).append("\n\n");
    text.append("Command: `").append(options.command()).append("`\n\n");
    text.append(
        String.format(
            "%,d devices (%,d protocol clients with live channels, %d device databases written by"
                + " plain SQL) in %d tenants of %d, against %d server nodes in one JVM (-Xmx%dm, %d"
                + " PostgreSQL connections each) on one PostgreSQL database, for %s. Each protocol"
                + " client writes 1–3 changes every %s on average (exponential), pushes them and"
                + " pulls, and pulls when poked (at most every %s); each device database writes"
                + " and calls syncNow() every %s on average. Network: %.1f%% of pushes and pulls"
                + " faulted (dropped, answer lost, duplicated, delayed %d ms, evenly), %.2f%% of"
                + " live channels cut per second. Seed %d. Machine: %d cores, load average %.1f at"
                + " the start and %.1f at the end (shared with other work).%n%n",
            options.devices(),
            options.devices() - options.realDevices(),
            options.realDevices(),
            options.tenants(),
            options.tenantSize(),
            options.nodes(),
            options.serverHeapMegabytes(),
            options.poolSize(),
            words(options.duration()),
            words(options.syncInterval()),
            words(options.pokeGap()),
            words(options.deviceInterval()),
            options.faultRate() * 100,
            options.faultDelay().toMillis(),
            options.liveCutRate() * 100,
            options.seed(),
            Runtime.getRuntime().availableProcessors(),
            loadAtStart,
            ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
    text.append(failures.isEmpty() ? "**Passed**: every check held.\n\n" : "**FAILED**:\n\n");
    for (String failure : failures) {
      text.append("- ").append(failure).append('\n');
    }
    if (!failures.isEmpty()) {
      text.append('\n');
    }
    for (String note : notes) {
      text.append(note).append("\n\n");
    }
    text.append("| latency | count | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|\n");
    for (Tally.Summary summary : latencies) {
      text.append(
          String.format(
              "| %s | %,d | %.1f | %.1f | %.1f |%n",
              summary.operation(), summary.count(), summary.p50(), summary.p99(), summary.max()));
    }
    text.append("\n| error, by kind | count | expected |\n|---|---:|---|\n");
    errors.forEach(
        (kind, count) ->
            text.append(
                String.format("| %s | %,d | %s |%n", kind, count, expected(kind) ? "yes" : "NO")));
    text.append("\n| fault injected | count |\n|---|---:|\n");
    faults.forEach(
        (fault, count) -> text.append(String.format("| %s | %,d |%n", fault.words, count)));
    text.append(
        "\n| s | heap MB | heap after GC MB | threads | db connections | live channels | syncs"
            + " | errors |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Growth.Sample sample : samples) {
      row(text, String.format("%.0f", sample.seconds()), sample);
    }
    if (after != null) {
      row(text, "healed", after);
    }
    text.append(
        String.format(
            "%nBounds: the mean heap after GC and thread count of the last tenth of the run may be"
                + " at most %.0f%% and %.0f%% above those of the second tenth.%n",
            options.heapGrowthPercent(), options.threadGrowthPercent()));
    return text.toString();
  }

  /** A duration as a person writes it: 10 min, 90 s, 200 ms. */
  static String words(Duration duration) {
    if (duration.toMillis() % 60_000 == 0) {
      return duration.toMinutes() + " min";
    }
    if (duration.toMillis() % 1_000 == 0) {
      return duration.toSeconds() + " s";
    }
    return duration.toMillis() + " ms";
  }

  private static void row(StringBuilder text, String when, Growth.Sample sample) {
    text.append(
        String.format(
            "| %s | %,d | %,d | %d | %d | %,d | %,d | %,d |%n",
            when,
            sample.heapUsed() >> 20,
            sample.heapAfterGc() >> 20,
            sample.threads(),
            sample.connections(),
            sample.liveChannels(),
            sample.syncs(),
            sample.errors()));
  }
}
