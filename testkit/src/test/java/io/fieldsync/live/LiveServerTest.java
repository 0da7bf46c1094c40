package io.fieldsync.live;

import io.fieldsync.testkit.TestServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A test class whose tests each get a fresh server of {@link LiveSchema} that never purges. */
abstract class LiveServerTest {
  @TempDir Path dir;
  TestServer server;

  @BeforeEach
  void startServer() {
    server =
        TestServer.builder(dir)
            .schema(LiveSchema.YAML)
            .configure(config -> config.purgeIntervalMillis(0))
            .start();
  }

  @AfterEach
  void stopServer() {
    server.close();
  }
}
