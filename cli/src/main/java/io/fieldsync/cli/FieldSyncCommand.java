package io.fieldsync.cli;

import io.fieldsync.SyncException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code fieldsync} command. */
@Command(
    name = "fieldsync",
    mixinStandardHelpOptions = true,
    versionProvider = FieldSyncCommand.Version.class,
    description = "Offline-first sync: SQLite devices reconciled with a central server.",
    subcommands = {
      ServerCommand.class,
      ClientCommand.class,
      TokenCommand.class,
      ReviewCommand.class,
      DemoCommand.class,
      BenchCommand.class,
      CommandLine.HelpCommand.class
    })
public final class FieldSyncCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    System.exit(execute(args));
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
    CommandLine commandLine = new CommandLine(new FieldSyncCommand());
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
    return commandLine.execute(args);
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

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = FieldSyncCommand.class.getPackage().getImplementationVersion();
      return new String[] {"fieldsync " + (version == null ? "dev" : version)};
    }
  }
}
