package io.fieldsync.client;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The {@code sqlite3} command-line shell, for the tests that show its writes are captured. Shared
 * with the testkit through this module's test-jar.
 *
 * <p>Without a shell on {@code PATH} such a test cannot run: it is aborted (reported as skipped)
 * with a message saying so on a developer machine, and fails when the environment variable {@code
 * CI} is set ({@code .ci/run} sets it), where the shell is a documented prerequisite.
 */
public final class Sqlite3Shell {
  private Sqlite3Shell() {}

  /**
   * The first executable {@code sqlite3} on {@code PATH}.
   *
   * @throws AssertionError when there is none and {@code CI} is set
   * @throws org.opentest4j.TestAbortedException when there is none otherwise
   */
  public static Path require() {
    String path = System.getenv("PATH");
    Optional<Path> shell = find(path);
    if (shell.isPresent()) {
      return shell.get();
    }
    String message =
        "no sqlite3 shell on PATH ("
            + path
            + "), so writes from the shell cannot be tested; install it (e.g. apt-get install"
            + " sqlite3)";
    String ci = System.getenv("CI");
    if (ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false")) {
      throw new AssertionError(message + ". CI=" + ci + " is set, and CI must run this test");
    }
    Assumptions.abort(message);
    throw new AssertionError("unreachable");
  }

  /**
   * Runs {@code script} through the shell on {@code database} (a separate process) and waits for
   * it; its output goes to {@code log}.
   *
   * @throws AssertionError when the shell fails or prints anything
   */
  public static void run(Path database, String script, Path log) throws Exception {
    Process shell =
        new ProcessBuilder(require().toString(), "-cmd", ".timeout 10000", database.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try (var input = shell.getOutputStream()) {
      input.write(script.getBytes(StandardCharsets.UTF_8));
    }
    if (!shell.waitFor(30, TimeUnit.SECONDS)) {
      shell.destroyForcibly();
      throw new AssertionError("sqlite3 did not finish within 30 s: " + Files.readString(log));
    }
    String output = Files.readString(log);
    if (shell.exitValue() != 0 || !output.isEmpty()) {
      throw new AssertionError("sqlite3 exited with " + shell.exitValue() + ": " + output);
    }
  }

  /** The first executable {@code sqlite3} in a {@code PATH}-style list of directories. */
  static Optional<Path> find(String path) {
    if (path == null) {
      return Optional.empty();
    }
    for (String directory : path.split(File.pathSeparator)) {
      if (directory.isEmpty()) {
        continue;
      }
      try {
        Path candidate = Path.of(directory, "sqlite3");
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      } catch (InvalidPathException e) {
        // a malformed PATH entry cannot hold the shell; look at the next
      }
    }
    return Optional.empty();
  }
}
