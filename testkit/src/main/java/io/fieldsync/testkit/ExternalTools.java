package io.fieldsync.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Tools from the system that some tests run (promtool, Chromium). A missing tool aborts the test
 * (reported as skipped, with the install command) on a developer machine and fails it when the
 * environment variable {@code CI} is set: {@code .ci/run} installs them.
 */
public final class ExternalTools {
  private ExternalTools() {}

  record Run(int exit, String stdout, String stderr) {
    String output() {
      return (stdout + "\n" + stderr).strip();
    }
  }

  /** Runs {@code probe}; when it fails, aborts the test or, under CI, fails it. */
  public static void require(String what, String install, String... probe) {
    Run run = run(probe);
    if (run.exit() == 0) {
      return;
    }
    String message = "no " + what + " here (" + run.output() + "); install it (" + install + ")";
    String ci = System.getenv("CI");
    if (ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false")) {
      throw new AssertionError(message + ". CI=" + ci + " is set, and CI must run this test");
    }
    Assumptions.abort(message);
  }

  static Run run(String... command) {
    try {
      Process process = new ProcessBuilder(command).start();
      process.getOutputStream().close();
      byte[] out = process.getInputStream().readAllBytes();
      byte[] err = process.getErrorStream().readAllBytes();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not end within 60 s");
      }
      return new Run(
          process.exitValue(),
          new String(out, StandardCharsets.UTF_8),
          new String(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Run(127, "", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted running " + command[0], e);
    }
  }
}
