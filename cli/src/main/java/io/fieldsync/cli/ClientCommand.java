package io.fieldsync.cli;

import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.ParkedEdit;
import io.fieldsync.client.RejectedChange;
import io.fieldsync.client.SyncResult;
import io.fieldsync.client.SyncStatus;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "client",
    mixinStandardHelpOptions = true,
    description = "A field device's local database.")
final class ClientCommand implements Runnable {
  /**
   * The subcommands, in the order the usage help lists them; {@link FieldSyncCommand#commandLine}
   * registers them.
   */
  static final List<Class<?>> SUBCOMMANDS =
      List.of(
          ClientCommand.Init.class,
          ClientCommand.Sync.class,
          ClientCommand.Status.class,
          ClientRunCommand.class,
          ClientResyncCommand.class,
          ClientVerifyCommand.class);

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "init",
      mixinStandardHelpOptions = true,
      description = "Creates the device database from the server's schema.")
  static final class Init implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--db", required = true, description = "Device database file to create")
    Path db;

    @Option(
        names = "--server",
        required = true,
        description =
            "Server URL, e.g. http://127.0.0.1:8787; repeat to give several nodes to fail over"
                + " between")
    java.util.List<URI> servers;

    @Option(
        names = "--token",
        required = true,
        description = "Device token (fieldsync token create)")
    String token;

    @Override
    public Integer call() {
      try (FieldSyncClient client =
          FieldSyncClient.builder(db).servers(servers).token(token).initialize()) {
        SyncStatus status = client.status();
        spec.commandLine()
            .getOut()
            .printf(
                "initialised %s: device %s, tenant %s, schema v%d, tables %s%n",
                db,
                status.device(),
                status.tenant(),
                status.schemaVersion(),
                client.schema().tables().keySet());
      }
      return 0;
    }
  }

  @Command(
      name = "sync",
      mixinStandardHelpOptions = true,
      description = "Runs one sync cycle: push the outbox, then pull what changed.")
  static final class Sync implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--db", required = true, description = "Device database file")
    Path db;

    @Option(
        names = "--server",
        description = "Sync through this server instead of the one given at init")
    URI server;

    @Override
    public Integer call() {
      FieldSyncClient.Builder builder = FieldSyncClient.builder(db);
      if (server != null) {
        builder.server(server);
      }
      try (FieldSyncClient client = builder.open()) {
        SyncResult result = client.syncNow();
        spec.commandLine()
            .getOut()
            .printf(
                "pushed %d (applied %d, merged %d, rejected %d, parked %d), pulled %d, conflicts"
                    + " %d, cursor %d, %d ms%n",
                result.pushed(),
                result.applied(),
                result.merged(),
                result.rejected(),
                result.parked(),
                result.pulled(),
                result.conflicts(),
                result.cursor(),
                result.duration().toMillis());
      }
      return 0;
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Shows the device, its cursor, pending and rejected changes.")
  static final class Status implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--db", required = true, description = "Device database file")
    Path db;

    @Override
    public Integer call() {
      try (FieldSyncClient client = FieldSyncClient.open(db)) {
        print(client, spec.commandLine().getOut());
      }
      return 0;
    }

    static void print(FieldSyncClient client, PrintWriter out) {
      SyncStatus status = client.status();
      out.printf("device      %s%n", status.device());
      out.printf("tenant      %s%n", status.tenant());
      out.printf("schema      v%d%n", status.schemaVersion());
      out.printf("cursor      %d%n", status.cursor());
      out.printf("pending     %d%n", status.pending());
      out.printf("rejected    %d%n", status.rejected());
      out.printf("last sync   %s%n", status.lastSyncAt() == null ? "never" : status.lastSyncAt());
      if (status.lastError() != null) {
        out.printf("last error  %s%n", status.lastError());
      }
      ClientRunCommand.printWorker(client.workerStatus(), out);
      for (RejectedChange change : client.rejected()) {
        out.printf(
            "  rejected %s %s %s at %s: %s%n",
            change.op(), change.table(), change.recordId(), change.at(), change.reason());
      }
      List<ParkedEdit> parked = client.parked();
      out.printf("parked      %d%n", parked.size());
      for (ParkedEdit edit : parked) {
        out.printf(
            "  parked %s %s %s = %s at %s: %s%n",
            edit.table(),
            edit.recordId(),
            edit.column() == null ? "(record)" : edit.column(),
            edit.deviceValue(),
            edit.at(),
            edit.reason());
      }
    }
  }
}
