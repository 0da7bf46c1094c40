package io.fieldsync.bench.load;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fieldsync bench load}: the sustained-load run ({@link LoadRun}). Exits 0 when every check
 * held, 1 (with the failures) when one did not.
 */
@Command(
    name = "load",
    mixinStandardHelpOptions = true,
    description = {
      "Runs many devices (protocol clients with live channels, and real device databases) against"
          + " server nodes on one PostgreSQL database for minutes through a faulty network, samples"
          + " the servers' heap, threads and database connections, then heals the network and"
          + " checks convergence, gapless sequences and bounded growth. Writes load-TIME.md and"
          + " load-TIME-samples.csv to --out."
    })
public final class LoadCommand implements Callable<Integer> {
  @Option(names = "--devices", description = "Devices in all (default: ${DEFAULT-VALUE}).")
  int devices = 1_000;

  @Option(
      names = "--real-devices",
      description = "Of them, real device databases (default: ${DEFAULT-VALUE}).")
  int realDevices = 20;

  @Option(names = "--nodes", description = "Server nodes (default: ${DEFAULT-VALUE}).")
  int nodes = 3;

  @Option(
      names = "--duration",
      converter = DurationConverter.class,
      description = "How long the devices write, e.g. 10m, 90s (default: 10m).")
  Duration duration = Duration.ofMinutes(10);

  @Option(names = "--tenant-size", description = "Devices per tenant (default: ${DEFAULT-VALUE}).")
  int tenantSize = 50;

  @Option(
      names = "--households",
      description = "Shared households per tenant (default: ${DEFAULT-VALUE}).")
  int households = 10;

  @Option(
      names = "--sync-interval",
      converter = DurationConverter.class,
      description = "Mean time between a protocol client's writes (default: 60s).")
  Duration syncInterval = Duration.ofSeconds(60);

  @Option(
      names = "--device-interval",
      converter = DurationConverter.class,
      description = "Mean time between a device database's writes and syncs (default: 10s).")
  Duration deviceInterval = Duration.ofSeconds(10);

  @Option(
      names = "--poke-gap",
      converter = DurationConverter.class,
      description = "Least time between a protocol client's poked pulls (default: 10s).")
  Duration pokeGap = Duration.ofSeconds(10);

  @Option(
      names = "--fault-rate",
      description = "Share of pushes and pulls the network faults (default: ${DEFAULT-VALUE}).")
  double faultRate = 0.05;

  @Option(
      names = "--fault-delay",
      converter = DurationConverter.class,
      description = "Delay of a delayed request (default: 200ms).")
  Duration faultDelay = Duration.ofMillis(200);

  @Option(
      names = "--live-cut-rate",
      description = "Share of open live channels cut each second (default: ${DEFAULT-VALUE}).")
  double liveCutRate = 0.002;

  @Option(
      names = "--sample-every",
      converter = DurationConverter.class,
      description = "How often the server JVM and the database are sampled (default: 15s).")
  Duration sampleEvery = Duration.ofSeconds(15);

  @Option(
      names = "--heap-bound",
      description =
          "Percent the last tenth's mean heap after GC may exceed the second tenth's (default:"
              + " ${DEFAULT-VALUE}).")
  double heapBound = 25;

  @Option(
      names = "--thread-bound",
      description =
          "Percent the last tenth's mean thread count may exceed the second tenth's (default:"
              + " ${DEFAULT-VALUE}).")
  double threadBound = 25;

  @Option(
      names = "--pool-size",
      description = "PostgreSQL connections per node (default: ${DEFAULT-VALUE}).")
  int poolSize = 8;

  @Option(
      names = "--server-heap",
      description = "The server JVM's -Xmx in MB (default: ${DEFAULT-VALUE}).")
  int serverHeap = 1_024;

  @Option(
      names = "--threads",
      description = "Driver threads running device actions (default: ${DEFAULT-VALUE}).")
  int threads = 128;

  @Option(names = "--seed", description = "Seeds the writes and the faults (default: 1).")
  long seed = 1;

  @Option(names = "--out", description = "Directory for the report (default: bench-results).")
  Path out = Path.of("bench-results");

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    String command =
        "fieldsync bench " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
    new LoadRun(
            new LoadOptions(
                devices,
                realDevices,
                nodes,
                duration,
                tenantSize,
                households,
                syncInterval,
                deviceInterval,
                pokeGap,
                faultRate,
                faultDelay,
                liveCutRate,
                sampleEvery,
                heapBound,
                threadBound,
                poolSize,
                serverHeap,
                threads,
                seed,
                out,
                command.strip()),
            System.out)
        .run();
    return 0;
  }

  /** {@code 500ms}, {@code 20s}, {@code 10m}, {@code 1h}, or ISO-8601 ({@code PT10M}). */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      String text = value.strip().toLowerCase(Locale.ROOT);
      try {
        if (text.startsWith("pt")) {
          return Duration.parse(text.toUpperCase(Locale.ROOT));
        }
        if (text.endsWith("ms")) {
          return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
        }
        long amount = Long.parseLong(text.substring(0, text.length() - 1));
        switch (text.charAt(text.length() - 1)) {
          case 's':
            return Duration.ofSeconds(amount);
          case 'm':
            return Duration.ofMinutes(amount);
          case 'h':
            return Duration.ofHours(amount);
          default:
            break;
        }
      } catch (RuntimeException e) {
        // reported below
      }
      throw new CommandLine.TypeConversionException(
          "expected a duration such as 500ms, 20s, 10m or 1h, found '" + value + "'");
    }
  }
}
