package io.fieldsync.cli;

import io.fieldsync.SyncException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.UsageMessageSpec;

/** The {@code fieldsync} command. */
@Command(
    name = "fieldsync",
    mixinStandardHelpOptions = true,
    versionProvider = FieldSyncCommand.Version.class,
    description = "Offline-first sync: SQLite devices reconciled with a central server.")
public final class FieldSyncCommand implements Runnable {
  /** The subcommands, in the order the usage help lists them. */
  private static final List<Class<?>> SUBCOMMANDS =
      List.of(
          ServerCommand.class,
          ClientCommand.class,
          TokenCommand.class,
          ReviewCommand.class,
          DemoCommand.class,
          CommandLine.HelpCommand.class);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    int exitCode = execute(args);
    endHttpClientSelectors();
    System.exit(exitCode);
  }

  /**
   * Ends the selector threads of the JDK's HTTP clients before the JVM exits. JDK 17's {@code
   * HttpClient} has no close, its selector thread waits in native code, and the JVM's exit waits up
   * to 300 ms for threads in native code; interrupted, the selector thread closes its connections
   * and ends at once. A thread named otherwise by another JDK is simply waited for as before.
   */
  private static void endHttpClientSelectors() {
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (thread.getName().matches("HttpClient-\\d+-SelectorManager")) {
        thread.interrupt();
        try {
          thread.join(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** Runs the command and returns its exit code: 0 ok, 1 failed, 2 bad usage. */
  public static int execute(String... args) {
    return execute(null, null, args);
  }

  /**
   * Runs the command with its output and error text going to the given writers (null: standard
   * output and standard error), for embedding and tests.
   *
   * @return the exit code: 0 ok, 1 failed, 2 bad usage
   */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    return execute(out, err, System.getenv(), args);
  }

  /** Runs the command in {@code environment} instead of the process's. */
  static int execute(
      PrintWriter out, PrintWriter err, Map<String, String> environment, String... args) {
    CommandLine commandLine;
    try {
      commandLine = commandLine(environment, args);
    } catch (SyncException e) {
      (err != null ? err : new PrintWriter(System.err, true))
          .println("fieldsync: " + e.getMessage());
      return 2;
    }
    commandLine
        .getHelpSectionMap()
        .put(UsageMessageSpec.SECTION_KEY_COMMAND_LIST, FieldSyncCommand::commandsWithBench);
    if (out != null) {
      commandLine.setOut(out);
    }
    if (err != null) {
      commandLine.setErr(err);
    }
    commandLine.setExecutionExceptionHandler(
        (exception, line, parseResult) -> {
          line.getErr().println("fieldsync: " + describe(exception));
          return 1;
        });
    CommandLine server = commandLine.getSubcommands().get("server");
    if (server != null && server.getDefaultValueProvider() instanceof ConfigDefaults defaults) {
      IParameterExceptionHandler usage = commandLine.getParameterExceptionHandler();
      commandLine.setParameterExceptionHandler(
          (exception, arguments) -> {
            String source = defaults.sourceNamedIn(exception);
            if (source == null) {
              return usage.handleParseException(exception, arguments);
            }
            exception
                .getCommandLine()
                .getErr()
                .println("fieldsync: " + exception.getMessage() + " (from " + source + ")");
            return 2;
          });
    }
    return commandLine.execute(args);
  }

  /**
   * The command line for {@code args} run in {@code environment}: when they run {@code server}, its
   * options not given take their values from the environment and the configuration file ({@link
   * ConfigDefaults}).
   *
   * @throws SyncException when the configuration file cannot be used
   */
  static CommandLine commandLine(Map<String, String> environment, String... args) {
    CommandLine root = commandLine(new CommandFactory(environment), args);
    CommandLine server = root.getSubcommands().get("server");
    if (server != null && args.length > 0 && args[0].equals("server")) {
      server.setDefaultValueProvider(
          ConfigDefaults.load(server.getCommandSpec(), args, environment));
    }
    return root;
  }

  /**
   * The command line for {@code args}, with only the subcommands they name where they name one
   * (other than {@code help}): picocli reads every registered command's annotations by reflection,
   * and its classes cannot come from the class-data-sharing archive (they are compiled for Java 5),
   * so building the whole tree costs a short command such as {@code fieldsync client status} a good
   * part of its start. Where the arguments name none (no arguments, an option, {@code help}, a
   * misspelt name) that level gets every subcommand, for the usage help and its suggestions.
   */
  static CommandLine commandLine(String... args) {
    return commandLine(new CommandFactory(System.getenv()), args);
  }

  private static CommandLine commandLine(CommandFactory factory, String... args) {
    CommandLine root = new CommandLine(new FieldSyncCommand(), factory);
    addSubcommands(root, SUBCOMMANDS, args, 0);
    return root;
  }

  /** The subcommands of commands whose own subcommands are registered here rather than declared. */
  private static List<Class<?>> subcommandsOf(Class<?> command) {
    return command.equals(ClientCommand.class) ? ClientCommand.SUBCOMMANDS : List.of();
  }

  private static void addSubcommands(
      CommandLine parent, List<Class<?>> subcommands, String[] args, int position) {
    String word = position < args.length ? args[position] : "";
    Class<?> named =
        subcommands.stream()
            .filter(command -> !command.equals(CommandLine.HelpCommand.class))
            .filter(command -> command.getAnnotation(Command.class).name().equals(word))
            .findFirst()
            .orElse(null);
    for (Class<?> command : named != null ? List.<Class<?>>of(named) : subcommands) {
      parent.addSubcommand(command);
      CommandLine child = parent.getSubcommands().get(command.getAnnotation(Command.class).name());
      addSubcommands(
          child, subcommandsOf(command), named != null ? args : new String[0], position + 1);
    }
  }

  /**
   * The command list of the usage help, with {@code bench} listed before {@code help}: the
   * benchmark lives in its own jar, so the product jar keeps no benchmark, JMH or embedded
   * PostgreSQL, and {@code bin/fieldsync bench} runs that jar.
   */
  private static String commandsWithBench(Help help) {
    CommandSpec bench = CommandSpec.create().name("bench");
    bench
        .usageMessage()
        .description(
            "Runs the benchmark workload: a real server on loopback HTTP, real device databases,"
                + " a seeded field-survey data set. Writes JSON to --out and updates"
                + " docs/benchmarks.md. In a jar of its own: run it as bin/fieldsync bench.");
    Map<String, Help> commands = new LinkedHashMap<>();
    help.subcommands()
        .forEach(
            (name, command) -> {
              if (name.equals("help")) {
                commands.put("bench", new Help(bench, help.colorScheme()));
              }
              commands.put(name, command);
            });
    return help.commandList(commands);
  }

  static String describe(Throwable exception) {
    if (exception instanceof SyncException || exception instanceof IllegalArgumentException) {
      return exception.getMessage();
    }
    if (exception instanceof java.io.IOException) {
      return "I/O error: " + exception.getMessage();
    }
    if (exception instanceof java.io.UncheckedIOException unchecked) {
      return "I/O error: " + unchecked.getCause().getMessage();
    }
    // A bug: say so in words (the class name told users nothing).
    return "unexpected internal error"
        + (exception.getMessage() == null ? "" : ": " + exception.getMessage())
        + "; please report it";
  }

  /**
   * The version and git commit the build wrote into {@code version.properties}; a build from a
   * source tree without git names the commit {@code unknown}.
   */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws java.io.IOException {
      java.util.Properties build = new java.util.Properties();
      try (java.io.InputStream in = Version.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          build.load(in);
        }
      }
      return new String[] {
        "fieldsync "
            + build.getProperty("version", "unknown")
            + " (commit "
            + build.getProperty("commit", "unknown")
            + ")"
      };
    }
  }
}
