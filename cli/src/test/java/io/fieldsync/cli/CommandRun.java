package io.fieldsync.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One run of the {@code fieldsync} command with its exit code and captured output. */
record CommandRun(int exitCode, String out, String err) {

  static CommandRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode;
    try (PrintWriter outWriter = new PrintWriter(out, true);
        PrintWriter errWriter = new PrintWriter(err, true)) {
      exitCode = FieldSyncCommand.execute(outWriter, errWriter, args);
    }
    return new CommandRun(exitCode, out.toString(), err.toString());
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
  }
}
