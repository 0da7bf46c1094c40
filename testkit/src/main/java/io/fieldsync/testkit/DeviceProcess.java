package io.fieldsync.testkit;

import io.fieldsync.client.FaultInjector;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.SyncResult;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A device that syncs in a separate JVM, so a test can kill it (or let it halt itself at a crash
 * point) and look at what the database holds afterwards. The child opens an initialized device
 * database with its stored server URL and token, runs one sync cycle and exits 0; asked to halt
 * after some rows, it installs a {@link FaultInjector} that halts the JVM with {@link #HALTED} once
 * a pulled page has written that many rows, before the page commits.
 *
 * <pre>{@code
 * int exit = DeviceProcess.sync(db, 3, 4, dir.resolve("child.log"), Duration.ofSeconds(60));
 * }</pre>
 */
public final class DeviceProcess {
  /** The exit code of a child halted at its crash point. */
  public static final int HALTED = 77;

  /** No crash point: the child syncs to the end. */
  public static final int NO_HALT = 0;

  private DeviceProcess() {}

  /** Child entry point: {@code DeviceProcess DB [PULL_PAGE_SIZE [HALT_AFTER_APPLIED_ROWS]]}. */
  public static void main(String[] args) {
    FieldSyncClient.Builder builder = FieldSyncClient.builder(Path.of(args[0]));
    if (args.length > 1) {
      builder.pullPageSize(Integer.parseInt(args[1]));
    }
    int haltAfter = args.length > 2 ? Integer.parseInt(args[2]) : NO_HALT;
    if (haltAfter > 0) {
      builder.faultInjector(
          rows -> {
            if (rows >= haltAfter) {
              // Dies like a killed process: mid-transaction, without cleanup.
              Runtime.getRuntime().halt(HALTED);
            }
          });
    }
    try (FieldSyncClient client = builder.open()) {
      SyncResult result = client.syncNow();
      System.out.println(
          "synced: pushed "
              + result.pushed()
              + ", pulled "
              + result.pulled()
              + ", cursor "
              + result.cursor());
    }
    System.exit(0);
  }

  /**
   * Runs one sync of {@code database} in a child JVM on this JVM's class path and waits for it.
   *
   * @param haltAfterAppliedRows halt the child once a pulled page has written this many rows, or
   *     {@link #NO_HALT}
   * @param pullPageSize records per pull page the child asks for
   * @param log where the child's output goes
   * @return the child's exit code
   * @throws AssertionError when the child outlives {@code timeout} (it is killed)
   */
  public static int sync(
      Path database, int haltAfterAppliedRows, int pullPageSize, Path log, Duration timeout)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(DeviceProcess.class.getName());
    command.add(database.toString());
    command.add(Integer.toString(pullPageSize));
    command.add(Integer.toString(haltAfterAppliedRows));
    Process child =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!child.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      child.destroyForcibly().waitFor();
      throw new AssertionError(
          "device process for " + database + " still ran after " + timeout + " (log: " + log + ")");
    }
    return child.exitValue();
  }
}
