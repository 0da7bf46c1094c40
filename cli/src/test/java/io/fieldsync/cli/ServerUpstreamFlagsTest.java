package io.fieldsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.testkit.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code server --upstream URL --upstream-token TOKEN}: wrong flags end the command in words. */
// A server that started anyway would run until stopped: fail instead of hanging the build.
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ServerUpstreamFlagsTest {
  @TempDir Path dir;

  private CommandRun server(String... upstreamFlags) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "server",
                "--db",
                dir.resolve("regional.db").toString(),
                "--schema",
                TestServer.exampleSchemaFile().toString(),
                "--port",
                "0",
                "--secret-file",
                dir.resolve("fieldsync.secret").toString()));
    args.addAll(List.of(upstreamFlags));
    return CommandRun.of(args.toArray(String[]::new));
  }

  @Test
  void anUpstreamWithoutATokenIsRefusedBeforeTheStoreIsOpened() {
    CommandRun run = server("--upstream", "http://127.0.0.1:9");

    assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
    assertThat(run.err())
        .isEqualTo(
            "fieldsync: --upstream http://127.0.0.1:9 needs --upstream-token TOKEN (a device token"
                + " the upstream server issued for this server)\n");
    assertThat(Files.exists(dir.resolve("regional.db"))).isFalse();
  }

  @Test
  void aTokenWithoutAnUpstreamIsRefused() {
    CommandRun run = server("--upstream-token", "abc");

    assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
    assertThat(run.err())
        .isEqualTo("fieldsync: --upstream-token was given without --upstream URL\n");
  }

  @Test
  void anUpstreamThatIsNotAnHttpUrlIsRefused() {
    CommandRun run = server("--upstream", "ftp://hq.example", "--upstream-token", "abc");

    assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
    assertThat(run.err())
        .isEqualTo(
            "fieldsync: --upstream 'ftp://hq.example' is not an http:// or https:// URL with a host"
                + " (e.g. https://hq.example:8787)\n");
  }

  @Test
  void anUpstreamThatRefusesTheTokenStopsTheServerWithoutAStackTrace() throws Exception {
    try (TestServer upstream = TestServer.start(Files.createDirectories(dir.resolve("hq")))) {
      CommandRun run =
          server("--upstream", upstream.uri().toString(), "--upstream-token", "not.a.token");

      assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
      assertThat(run.err())
          .startsWith(
              "fieldsync: the upstream server " + upstream.uri() + " refused the upstream token: ")
          .doesNotContain("\tat ")
          .doesNotContain("Exception");
    }
  }
}
