package io.fieldsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.Sqlite3Shell;
import io.fieldsync.testkit.RepositoryFiles;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Using it" commands, read from README.md and run as they are by bash in a fresh
 * directory: the server in the background, then token, init, a write with the sqlite3 shell, sync
 * and status, each a process of its own. {@code bin/fieldsync} there runs the command from the test
 * class path (the jar is built after the tests), and the README's port is swapped for a free one so
 * a server already on 8787 does not fail the build.
 */
class ReadmeQuickStartTest {
  private static final Pattern USING_IT =
      Pattern.compile("## Using it\\s+```sh\\n(.*?)```", Pattern.DOTALL);

  @TempDir Path dir;

  static String quickStart() throws IOException {
    String readme = Files.readString(RepositoryFiles.find("README.md"));
    Matcher block = USING_IT.matcher(readme);
    assertThat(block.find()).as("README.md has a sh block under '## Using it'").isTrue();
    return block.group(1);
  }

  @Test
  void theQuickStartWorksPastedAsIs() throws Exception {
    Path sqlite3 = Sqlite3Shell.require();
    String commands = quickStart();
    assertThat(commands).contains("bin/fieldsync server", "&\n", "8787");
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Files.writeString(
        bin.resolve("fieldsync"),
        "#!/usr/bin/env bash\nexec \"$FIELDSYNC_TEST_JAVA\" -cp \"$FIELDSYNC_TEST_CLASSPATH\" "
            + FieldSyncCommand.class.getName()
            + " \"$@\"\n");
    Files.setPosixFilePermissions(
        bin.resolve("fieldsync"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Path examples = Files.createDirectories(dir.resolve("examples/field-survey"));
    Files.copy(
        RepositoryFiles.find("examples/field-survey/schema.yaml"), examples.resolve("schema.yaml"));
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    Files.writeString(
        dir.resolve("quick-start.sh"),
        "set -ex\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n"
            + commands.replace("8787", String.valueOf(port)));

    ProcessBuilder builder = new ProcessBuilder("bash", "quick-start.sh");
    builder.directory(dir.toFile());
    builder.redirectErrorStream(true);
    builder.environment().keySet().removeIf(name -> name.startsWith("FIELDSYNC_"));
    builder.environment().put("FIELDSYNC_TEST_JAVA", ServerProcess.command().get(0));
    builder.environment().put("FIELDSYNC_TEST_CLASSPATH", System.getProperty("java.class.path"));
    builder
        .environment()
        .put("PATH", sqlite3.getParent() + java.io.File.pathSeparator + System.getenv("PATH"));
    Process script = builder.start();
    String output;
    try {
      if (!script.waitFor(180, TimeUnit.SECONDS)) {
        throw new AssertionError("the quick start did not finish within 180 s");
      }
      output = new String(script.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      script.descendants().forEach(ProcessHandle::destroy);
      script.destroy();
    }

    assertThat(script.exitValue()).as(output).isZero();
    assertThat(output)
        .contains("wrote a new token secret to fieldsync.secret (hmac-sha256:")
        .contains("+ TOKEN=ey")
        .contains("initialised tablet-7.db: device tablet-7, tenant acme, schema v")
        .contains(
            "pushed 1 (applied 1, merged 0, rejected 0, parked 0), pulled 0, conflicts 0, cursor 1,")
        .containsPattern("cursor +1\\n")
        .containsPattern("pending +0\\n")
        .doesNotContain("Exception");
  }
}
