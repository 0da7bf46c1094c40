package io.fieldsync.cli;

import io.fieldsync.client.FieldSyncClient;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/** {@code --progress}: how a command that syncs shows the progress of a long push or pull. */
final class ProgressOption {
  /** When progress is shown. */
  enum When {
    /** Once the sync has taken more than a second. */
    auto,
    /** From the first report on. */
    always,
    never
  }

  @Option(
      names = "--progress",
      defaultValue = "auto",
      paramLabel = "WHEN",
      description =
          "Progress of a push of several batches or a pull of several pages: auto (once the sync"
              + " takes more than a second), always, never; a bar on a terminal, plain lines"
              + " otherwise (default: ${DEFAULT-VALUE})")
  When when = When.auto;

  /** Prints the client's progress to {@code out} from now on, as chosen. */
  void attach(FieldSyncClient client, PrintWriter out) {
    if (when != When.never) {
      client.addListener(
          new ProgressPrinter(
              out,
              System.console() != null,
              when == When.always ? 0 : 1_000_000_000L,
              System::nanoTime));
    }
  }
}
