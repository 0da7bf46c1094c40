package io.fieldsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.testkit.TestServer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class ServerCommandTest {

  @Test
  void storeLocationIsLoggedWithoutItsPassword() {
    assertThat(ServerCommand.redacted("postgresql://db:5432/sync?user=fs&password=s3cr3t&ssl=true"))
        .isEqualTo("postgresql://db:5432/sync?user=fs&password=***&ssl=true");
    assertThat(ServerCommand.redacted("postgres://fs:s3cr3t@db/sync"))
        .isEqualTo("postgres://fs:***@db/sync");
    assertThat(ServerCommand.redacted("jdbc:postgresql://db/sync?PASSWORD=s3cr3t"))
        .isEqualTo("jdbc:postgresql://db/sync?PASSWORD=***");
    assertThat(ServerCommand.redacted("/var/lib/fieldsync/sync.db"))
        .isEqualTo("/var/lib/fieldsync/sync.db");
  }

  @Test
  // A server that started anyway would run until stopped: fail instead of hanging the build.
  @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aNegativePullAheadThreadCountIsRefusedWithoutAStackTrace(@TempDir Path dir) {
    CommandRun run =
        CommandRun.of(
            "server",
            "--db",
            dir.resolve("server.db").toString(),
            "--schema",
            TestServer.exampleSchemaFile().toString(),
            "--port",
            "0",
            "--secret-file",
            dir.resolve("fieldsync.secret").toString(),
            "--pull-ahead-threads",
            "-1");

    assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
    assertThat(run.err()).isEqualTo("fieldsync: pullAheadThreads must not be negative, found -1\n");
    assertThat(run.out()).isEmpty();
  }
}
