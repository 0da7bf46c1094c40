package io.fieldsync.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/** One run of the {@code fieldsync} command with its exit code and captured output. */
record CommandRun(int exitCode, String out, String err) {

  static CommandRun of(String... args) {
    return in(System.getenv(), args);
  }

  /** Runs the command in {@code environment} instead of the test's own. */
  static CommandRun in(Map<String, String> environment, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode;
    try (PrintWriter outWriter = new PrintWriter(out, true);
        PrintWriter errWriter = new PrintWriter(err, true)) {
      exitCode = FieldSyncCommand.execute(outWriter, errWriter, environment, args);
    }
    return new CommandRun(exitCode, out.toString(), err.toString());
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
  }
}
