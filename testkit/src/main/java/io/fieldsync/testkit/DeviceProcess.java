package io.fieldsync.testkit;

import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.SyncResult;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A device that syncs in a separate JVM, so a test can kill it (or let a fault hook halt it) and
 * look at what the database holds afterwards. The child opens an initialized device database with
 * its stored server URL and token, runs one sync cycle and exits 0.
 *
 * <pre>{@code
 * int exit = DeviceProcess.sync(db, Map.of("fieldsync.fault.haltAfterAppliedRows", "3"),
 *     dir.resolve("child.log"), Duration.ofSeconds(60));
 * }</pre>
 */
public final class DeviceProcess {
  /** The exit code of the client's halt hook ({@code fieldsync.fault.haltAfterAppliedRows}). */
  public static final int HALTED = 77;

  /** System property of the client's crash hook: halt after this many rows of a pulled page. */
  public static final String HALT_AFTER_APPLIED_ROWS = "fieldsync.fault.haltAfterAppliedRows";

  private DeviceProcess() {}

  /** Child entry point: {@code DeviceProcess DB [PULL_PAGE_SIZE]}. */
  public static void main(String[] args) {
    FieldSyncClient.Builder builder = FieldSyncClient.builder(Path.of(args[0]));
    if (args.length > 1) {
      builder.pullPageSize(Integer.parseInt(args[1]));
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
   * @param properties system properties for the child, e.g. {@link #HALT_AFTER_APPLIED_ROWS}
   * @param pullPageSize records per pull page the child asks for
   * @param log where the child's output goes
   * @return the child's exit code
   * @throws AssertionError when the child outlives {@code timeout} (it is killed)
   */
  public static int sync(
      Path database, Map<String, String> properties, int pullPageSize, Path log, Duration timeout)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
    command.add(DeviceProcess.class.getName());
    command.add(database.toString());
    command.add(Integer.toString(pullPageSize));
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
