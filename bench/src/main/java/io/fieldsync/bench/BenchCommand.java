package io.fieldsync.bench;

import io.fieldsync.SyncException;
import io.fieldsync.bench.load.LoadCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fieldsync bench}: the end-to-end workload driver and its report. It is the main class of
 * the bench jar, apart from the product jar; {@code bin/fieldsync bench} runs it.
 */
@Command(
    name = "fieldsync bench",
    mixinStandardHelpOptions = true,
    versionProvider = BenchCommand.Version.class,
    subcommands = LoadCommand.class,
    description = {
      "Runs the benchmark workload: a real server on loopback HTTP, real device databases, a"
          + " seeded field-survey data set. Writes JSON to --out and updates docs/benchmarks.md."
    })
final class BenchCommand implements Callable<Integer> {
  @Option(names = "--quick", description = "Small sizes, finishes in under two minutes.")
  boolean quick;

  @Option(
      names = "--records",
      split = ",",
      description = "Server data set sizes (default: 10000,100000,1000000).")
  List<Long> records;

  @Option(names = "--devices", split = ",", description = "Pushing devices (default: 1,10,100).")
  List<Integer> devices;

  @Option(names = "--repeat", description = "Repetitions of every measurement (default: 3).")
  Integer repeat;

  @Option(names = "--out", description = "Directory for the JSON reports (default: bench-results).")
  Path out = Path.of("bench-results");

  @Option(names = "--seed", description = "Data set seed (default: 1).")
  long seed = 1;

  @Option(
      names = "--store",
      split = ",",
      description =
          "Server stores: sqlite, postgres (without --postgres-url, an embedded PostgreSQL is"
              + " started).")
  List<String> stores = List.of("sqlite");

  @Option(
      names = "--postgres-url",
      description = "PostgreSQL location for --store postgres; default: an embedded one.")
  String postgresUrl;

  @Option(names = "--edits", description = "One-field edits in the incremental sync (1000).")
  int edits = 1_000;

  @Option(names = "--push-records", description = "Records pushed per push measurement.")
  Integer pushRecords;

  @Option(names = "--capture-rows", description = "Rows per capture-overhead measurement.")
  Integer captureRows;

  @Option(
      names = "--docs",
      description =
          "Markdown report to update (default: docs/benchmarks.md when a docs directory exists;"
              + " 'none' to skip).")
  String docs;

  @Option(names = "--jmh", description = "Also run the JMH micro-benchmarks (codec, merge).")
  boolean jmh;

  @Option(
      names = "--only",
      split = ",",
      description =
          "Run only these scenarios: snapshot, incremental, noop, convergence, live, capture, push,"
              + " device, encrypted (default: all).")
  Set<String> only = Set.of();

  @Option(
      names = "--fieldsync-home",
      description =
          "The fieldsync checkout whose bin/fieldsync the device scenario times (default: the"
              + " working directory or a parent holding bin/fieldsync).")
  Path fieldsyncHome;

  @Option(
      names = "--no-device-commands",
      description = "Leave the bin/fieldsync commands out of the device scenario.")
  boolean noDeviceCommands;

  @Override
  public Integer call() throws Exception {
    Path markdown;
    if ("none".equals(docs)) {
      markdown = null;
    } else if (docs != null) {
      markdown = Path.of(docs);
    } else {
      markdown = Files.isDirectory(Path.of("docs")) ? Path.of("docs", "benchmarks.md") : null;
    }
    String command = "fieldsync bench " + String.join(" ", commandLine());
    BenchOptions defaults = BenchOptions.quick(out, seed, markdown, command.strip());
    BenchOptions options =
        new BenchOptions(
            quick,
            records != null
                ? records
                : quick ? defaults.records() : List.of(10_000L, 100_000L, 1_000_000L),
            devices != null ? devices : quick ? defaults.devices() : List.of(1, 10, 100),
            repeat != null ? repeat : quick ? defaults.repeat() : 3,
            out,
            seed,
            stores,
            postgresUrl,
            edits,
            pushRecords != null ? pushRecords : quick ? defaults.pushRecords() : 50_000,
            captureRows != null ? captureRows : quick ? defaults.captureRows() : 50_000,
            quick ? defaults.convergenceSamples() : 20,
            markdown,
            jmh,
            only,
            fieldsyncHome,
            !noDeviceCommands,
            command.strip());
    new Workload(options, System.out, Clock.systemUTC()).run();
    return 0;
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private List<String> commandLine() {
    return spec.commandLine().getParseResult().originalArgs();
  }

  /** Runs the benchmark and exits: 0 ok, 1 failed, 2 bad usage. */
  public static void main(String[] args) {
    CommandLine commandLine = new CommandLine(new BenchCommand());
    commandLine.setExecutionExceptionHandler(
        (exception, line, parseResult) -> {
          line.getErr().println("fieldsync: " + describe(exception));
          return 1;
        });
    System.exit(commandLine.execute(args));
  }

  private static String describe(Exception exception) {
    if (exception instanceof SyncException || exception instanceof IllegalArgumentException) {
      return exception.getMessage();
    }
    if (exception instanceof IOException) {
      return "I/O error: " + exception.getMessage();
    }
    if (exception instanceof UncheckedIOException unchecked) {
      return "I/O error: " + unchecked.getCause().getMessage();
    }
    return "unexpected internal error"
        + (exception.getMessage() == null ? "" : ": " + exception.getMessage())
        + "; please report it";
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = BenchCommand.class.getPackage().getImplementationVersion();
      return new String[] {"fieldsync bench " + (version == null ? "dev" : version)};
    }
  }
}
