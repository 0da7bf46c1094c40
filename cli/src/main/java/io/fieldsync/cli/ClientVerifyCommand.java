package io.fieldsync.cli;

import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.VerifyReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description =
        "Syncs, compares the device's rows with the server's by checksums, and repairs the records"
            + " that differ (never one with pending local edits). Exit code 0 when clean, 3 when"
            + " something was repaired or skipped.")
final class ClientVerifyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--db", required = true, description = "Device database file")
  Path db;

  @Mixin KeyFileOption key = new KeyFileOption();

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (FieldSyncClient client = key.open(db)) {
      VerifyReport report = client.verify();
      if (report.clean()) {
        out.printf(
            "clean: %d records match the server (%d request%s)%n",
            report.records(), report.requests(), report.requests() == 1 ? "" : "s");
        return 0;
      }
      out.printf(
          "%d records compared in %d requests: %d repaired, %d skipped (pending local edits)%n",
          report.records(), report.requests(), report.repaired().size(), report.skipped().size());
      for (VerifyReport.Repair repair : report.repaired()) {
        out.printf(
            "  repaired %s %s: %s%n",
            repair.table(),
            repair.recordId(),
            repair.action().name().toLowerCase(java.util.Locale.ROOT));
      }
      for (VerifyReport.Repair repair : report.skipped()) {
        out.printf("  skipped  %s %s: pending local edits%n", repair.table(), repair.recordId());
      }
      return 3;
    }
  }
}
