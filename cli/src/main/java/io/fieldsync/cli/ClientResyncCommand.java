package io.fieldsync.cli;

import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.ResyncResult;
import io.fieldsync.client.SyncListener;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "resync",
    mixinStandardHelpOptions = true,
    description =
        "Pushes the outbox, then rebuilds the device from a paged snapshot of the server (resumes"
            + " an interrupted one). For a device too far behind, damaged or restored from a"
            + " backup.")
final class ClientResyncCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--db", required = true, description = "Device database file")
  Path db;

  @Mixin KeyFileOption key = new KeyFileOption();

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (FieldSyncClient client = key.open(db)) {
      client.addListener(
          new SyncListener() {
            @Override
            public void snapshotProgress(long done, long total, boolean finished) {
              out.print("\r" + ProgressBar.render(done, total, finished));
              if (finished) {
                out.println();
              }
              out.flush();
            }
          });
      ResyncResult result = client.resync();
      out.printf(
          "resynced %s: %d records in %d pages, %d stale local rows removed, cursor %d%n",
          db, result.records(), result.pages(), result.removed(), result.cursor());
    }
    return 0;
  }
}
