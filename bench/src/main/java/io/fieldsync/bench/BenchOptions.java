package io.fieldsync.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a benchmark run measures.
 *
 * @param records server data set sizes (records), one full scenario set each
 * @param devices concurrent pushing devices, one push-throughput measurement each
 * @param repeat how many times every measurement is repeated (median and spread over them)
 * @param stores server stores to run against: {@code sqlite}, {@code postgres}
 * @param postgresUrl the PostgreSQL location; without it the postgres store runs on an embedded
 *     PostgreSQL the driver starts
 * @param edits one-field edits in the incremental-sync measurement
 * @param pushRecords records pushed in total per push-throughput measurement
 * @param captureRows rows inserted and updated per capture-overhead measurement (capped at the data
 *     set size)
 * @param convergenceSamples writes timed from device A to device B
 * @param docs the Markdown report to update, or null for none
 * @param jmh whether to run the JMH micro-benchmarks too
 * @param only the scenarios to run ({@link #SCENARIOS}); empty for all of them
 * @param fieldsyncHome the fieldsync checkout whose {@code bin/fieldsync} the device scenario
 *     times; null to look for it from the working directory up
 * @param deviceCommands whether the device scenario also times {@code bin/fieldsync} commands in
 *     new processes (it needs a checkout with the product jar built)
 * @param command the command line, quoted in the report
 */
public record BenchOptions(
    boolean quick,
    List<Long> records,
    List<Integer> devices,
    int repeat,
    Path out,
    long seed,
    List<String> stores,
    String postgresUrl,
    int edits,
    int pushRecords,
    int captureRows,
    int convergenceSamples,
    Path docs,
    boolean jmh,
    Set<String> only,
    Path fieldsyncHome,
    boolean deviceCommands,
    String command) {

  /** The scenarios {@code --only} can pick. */
  public static final Set<String> SCENARIOS =
      Set.of(
          "snapshot",
          "incremental",
          "noop",
          "convergence",
          "live",
          "capture",
          "push",
          "device",
          "encrypted");

  public BenchOptions {
    only = Set.copyOf(only);
    for (String scenario : only) {
      if (!SCENARIOS.contains(scenario)) {
        throw new IllegalArgumentException(
            "only must name scenarios of "
                + new TreeSet<>(SCENARIOS)
                + ", found '"
                + scenario
                + "'");
      }
    }
    records = List.copyOf(records);
    devices = List.copyOf(devices);
    stores = List.copyOf(stores);
    if (records.isEmpty() || records.stream().anyMatch(n -> n < Dataset.BLOCK)) {
      throw new IllegalArgumentException(
          "records must list sizes of at least " + Dataset.BLOCK + ", found " + records);
    }
    if (devices.isEmpty() || devices.stream().anyMatch(n -> n < 1)) {
      throw new IllegalArgumentException("devices must list counts of 1 or more, found " + devices);
    }
    if (repeat < 1) {
      throw new IllegalArgumentException("repeat must be 1 or more, found " + repeat);
    }
    for (String store : stores) {
      if (!store.equals("sqlite") && !store.equals("postgres")) {
        throw new IllegalArgumentException(
            "store must be sqlite or postgres, found '" + store + "'");
      }
    }
    long smallest = records.stream().mapToLong(Long::longValue).min().orElseThrow();
    if (edits < 1 || edits > smallest) {
      throw new IllegalArgumentException(
          "edits must be between 1 and the smallest data set (" + smallest + "), found " + edits);
    }
    if (pushRecords < devices.stream().mapToInt(Integer::intValue).max().orElseThrow()) {
      throw new IllegalArgumentException(
          "push records (" + pushRecords + ") must be at least the largest device count");
    }
    if (captureRows < 1 || convergenceSamples < 1) {
      throw new IllegalArgumentException(
          "capture rows and convergence samples must be 1 or more, found "
              + captureRows
              + " and "
              + convergenceSamples);
    }
  }

  /** Whether this run measures {@code scenario}. */
  public boolean runs(String scenario) {
    return only.isEmpty() || only.contains(scenario);
  }

  /** The smoke-check sizes: the whole run takes well under two minutes. */
  public static BenchOptions quick(Path out, long seed, Path docs, String command) {
    return new BenchOptions(
        true,
        List.of(2_000L, 10_000L),
        List.of(1, 10),
        2,
        out,
        seed,
        List.of("sqlite"),
        null,
        1_000,
        5_000,
        5_000,
        5,
        docs,
        false,
        Set.of(),
        null,
        true,
        command);
  }
}
