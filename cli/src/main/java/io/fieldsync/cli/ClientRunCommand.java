package io.fieldsync.cli;

import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.SyncProgress;
import io.fieldsync.client.SyncResult;
import io.fieldsync.client.SyncWorker;
import io.fieldsync.client.WorkerEvent;
import io.fieldsync.client.WorkerStatus;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description =
        "Keeps the device syncing in the foreground, printing what happens, until stopped"
            + " (Ctrl-C stops cleanly after the page being applied).")
final class ClientRunCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--db", required = true, description = "Device database file")
  Path db;

  @Option(names = "--server", description = "Sync through this server instead of the one at init")
  URI server;

  @Option(
      names = "--debounce",
      defaultValue = "25ms",
      converter = Durations.class,
      description =
          "Quiet time after a sync before a local write syncs again; a later write syncs at"
              + " once (default: ${DEFAULT-VALUE})")
  Duration debounce;

  @Option(
      names = "--max-backoff",
      defaultValue = "60s",
      converter = Durations.class,
      description = "Longest wait between retries (default: ${DEFAULT-VALUE})")
  Duration maxBackoff;

  @Option(
      names = "--no-live",
      description = "Do not hold the live channel; sync on writes and every interval only")
  boolean noLive;

  @Mixin KeyFileOption key = new KeyFileOption();

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    FieldSyncClient.Builder builder =
        key.builder(db)
            .debounce(debounce)
            .backoff(Duration.ofMillis(500), maxBackoff)
            .live(!noLive);
    if (server != null) {
      builder.server(server);
    }
    FieldSyncClient client = builder.open();
    CountDownLatch stopped = new CountDownLatch(1);
    int[] exit = {0};
    SyncWorker worker = client.startWorker();
    worker.addListener(
        event -> {
          String line = describe(event);
          if (line != null) {
            out.println(line);
            out.flush();
          }
          if (event instanceof WorkerEvent.Stopped stop) {
            exit[0] = stop.fatal() ? 1 : 0;
            stopped.countDown();
          }
        });
    Thread hook =
        new Thread(
            () -> {
              // Stops the worker after its running page commits, then closes the database.
              client.close();
              stopped.countDown();
            },
            "fieldsync-client-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    out.printf("syncing %s; Ctrl-C stops%n", db);
    out.flush();
    stopped.await();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
      client.close();
    } catch (IllegalStateException shuttingDown) {
      // The hook is running and closes the client.
    }
    return exit[0];
  }

  /** The line {@code client run} prints for {@code event}; null for none. */
  static String describe(WorkerEvent event) {
    if (event instanceof WorkerEvent.Synced synced) {
      SyncResult result = synced.result();
      return String.format(
          "synced: pushed %d, pulled %d, conflicts %d, cursor %d, pending %d, lag %d, %d ms",
          result.pushed(),
          result.pulled(),
          result.conflicts(),
          result.cursor(),
          synced.pending(),
          synced.lag(),
          result.duration().toMillis());
    }
    if (event instanceof WorkerEvent.Failed failed) {
      return String.format(
          "failed (attempt %d): %s; retry in %d ms",
          failed.attempt(), failed.reason(), failed.retryIn().toMillis());
    }
    if (event instanceof WorkerEvent.SnapshotProgress progress) {
      return ProgressBar.render(progress.done(), progress.totalEstimate(), progress.finished());
    }
    if (event instanceof WorkerEvent.Progress progress) {
      // A snapshot's progress is shown by its SnapshotProgress event.
      return progress.progress().phase() == SyncProgress.Phase.SNAPSHOT
          ? null
          : ProgressBar.line(progress.progress());
    }
    if (event instanceof WorkerEvent.Syncing syncing) {
      return "syncing (" + syncing.trigger() + ")";
    }
    if (event instanceof WorkerEvent.Online) {
      return "online";
    }
    if (event instanceof WorkerEvent.Offline offline) {
      return "offline: " + offline.reason();
    }
    if (event instanceof WorkerEvent.Stuck stuck) {
      return "STUCK: no successful sync for " + stuck.since() + ": " + stuck.lastError();
    }
    if (event instanceof WorkerEvent.LiveConnected) {
      return "live channel open";
    }
    if (event instanceof WorkerEvent.LiveDisconnected closed) {
      return "live channel closed: " + closed.reason();
    }
    if (event instanceof WorkerEvent.Poked poked) {
      return "poked: server at sequence " + poked.sequence();
    }
    if (event instanceof WorkerEvent.Stopped stop) {
      return (stop.fatal() ? "STOPPED: " : "stopped: ") + stop.reason();
    }
    return event.toString();
  }

  static void printWorker(WorkerStatus status, PrintWriter out) {
    out.printf("server seq  %d (lag %d)%n", status.serverSequence(), status.lag());
    out.printf(
        "worker      %s%s%n",
        status.state().name().toLowerCase(java.util.Locale.ROOT),
        status.state() == SyncWorker.State.RUNNING
            ? (status.online() ? ", online" : ", offline") + (status.live() ? ", live" : "")
            : "");
    if (status.lastError() != null) {
      out.printf("worker error %s%n", status.lastError());
    }
    if (status.nextRetryAt() != null) {
      out.printf("next retry  %s%n", status.nextRetryAt());
    }
    if (status.stuck()) {
      out.printf("STUCK       no success since %s%n", status.lastSuccessAt());
    }
  }
}
