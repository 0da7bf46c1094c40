package io.fieldsync.cli;

import io.fieldsync.TransportException;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.ParkedEdit;
import io.fieldsync.client.RejectedChange;
import io.fieldsync.client.SyncResult;
import io.fieldsync.client.SyncStatus;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
          ClientVerifyCommand.class,
          ClientRejectedCommand.class,
          ClientRekeyCommand.class);

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

    @Option(
        names = "--ca-file",
        paramLabel = "FILE",
        description =
            "CA certificates (PEM) to trust besides the system's, for a server whose certificate"
                + " a private CA issued; kept in the device database with the server list")
    Path caFile;

    @Option(
        names = "--wait",
        defaultValue = "0s",
        converter = Durations.class,
        description =
            "How long to wait for a server that refuses connections (one that is starting), e.g."
                + " 30s (default: ${DEFAULT-VALUE}: fail at once)")
    Duration wait;

    @Option(
        names = "--sync",
        description = "Run the device's first sync right after, with its progress (see --progress)")
    boolean sync;

    @Mixin ProgressOption progress = new ProgressOption();

    @Mixin KeyFileOption key = new KeyFileOption();

    @Override
    public Integer call() throws InterruptedException {
      FieldSyncClient.Builder builder = key.builder(db).servers(servers).token(token);
      if (caFile != null) {
        builder.caFile(caFile);
      }
      try (FieldSyncClient client = initialize(builder)) {
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
        if (sync) {
          progress.attach(client, spec.commandLine().getOut());
          Sync.print(client.syncNow(), spec.commandLine().getOut());
        }
      }
      return 0;
    }

    /**
     * Initialises, trying again while the server refuses connections and {@link #wait} has not
     * passed; any other failure (a refused token, a TLS failure) ends it at once.
     */
    private FieldSyncClient initialize(FieldSyncClient.Builder builder)
        throws InterruptedException {
      long deadline = System.nanoTime() + wait.toNanos();
      while (true) {
        try {
          return builder.initialize();
        } catch (TransportException e) {
          if (!refused(e) || System.nanoTime() > deadline) {
            throw e;
          }
          Thread.sleep(200);
        }
      }
    }

    private static boolean refused(Throwable failure) {
      for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
        if (cause instanceof ConnectException) {
          return true;
        }
        if (cause.getCause() == cause) {
          return false;
        }
      }
      return false;
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

    @Option(
        names = "--json",
        description = "Print one JSON object instead of text (fields: docs/scripting.md)")
    boolean json;

    @Mixin ProgressOption progress = new ProgressOption();

    @Mixin KeyFileOption key = new KeyFileOption();

    @Override
    public Integer call() {
      FieldSyncClient.Builder builder = key.builder(db);
      if (server != null) {
        builder.server(server);
      }
      try (FieldSyncClient client = builder.open()) {
        if (!json) {
          progress.attach(client, spec.commandLine().getOut());
        }
        SyncResult result = client.syncNow();
        if (json) {
          spec.commandLine().getOut().println(ClientJson.of(result));
          return 0;
        }
        print(result, spec.commandLine().getOut());
      }
      return 0;
    }

    static void print(SyncResult result, PrintWriter out) {
      out.printf(
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
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Shows the device, its cursor, pending and rejected changes.")
  static final class Status implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--db", required = true, description = "Device database file")
    Path db;

    @Option(
        names = "--json",
        description = "Print one JSON object instead of text (fields: docs/scripting.md)")
    boolean json;

    @Mixin ProgressOption progress = new ProgressOption();

    @Mixin KeyFileOption key = new KeyFileOption();

    @Override
    public Integer call() {
      try (FieldSyncClient client = key.open(db)) {
        if (json) {
          spec.commandLine()
              .getOut()
              .println(
                  ClientJson.of(
                      client.status(),
                      client.workerStatus(),
                      client.rejected().list(),
                      client.parked().list()));
        } else {
          print(client, spec.commandLine().getOut());
        }
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
      for (RejectedChange change : client.rejected().list()) {
        out.printf(
            "  rejected %s %s %s at %s: %s%n",
            change.op(), change.table(), change.recordId(), change.at(), change.reason());
      }
      List<ParkedEdit> parked = client.parked().list();
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
