package io.fieldsync.client;

import static io.fieldsync.client.Households.H1;
import static io.fieldsync.client.Households.H2;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.testkit.DeviceProcess;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device process halted while applying a five-record page reopens consistent. The example
 * schema's version, with a second device and a pending edit, is {@code CrashDuringPullTest}.
 */
class CrashSafetyTest {
  @TempDir Path dir;
  TestServer server;

  @BeforeEach
  void startServer() {
    server = TestServer.builder(dir).schema(Households.SCHEMA_YAML).start();
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  @Test
  void aProcessKilledWhileApplyingAPulledPageReopensConsistent() throws Exception {
    TestDevice other = server.device("other");
    other.sql(
        "INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')",
        "INSERT INTO households (id, region) VALUES ('" + H2 + "', 's')");
    for (int n = 1; n <= 3; n++) {
      other.sql(
          "INSERT INTO visits (id, household_id) VALUES ('"
              + Households.household(10 + n)
              + "', '"
              + (n < 3 ? H1 : H2)
              + "')");
    }
    other.sync();
    TestDevice device = server.device(Households.DEVICE);
    device.sql(
        "INSERT INTO households (id, region) VALUES ('" + Households.household(0) + "', 'x')");
    device.close();

    Path log = dir.resolve("child.log");
    int exit = DeviceProcess.sync(device.database(), 3, 5, log, Duration.ofSeconds(60));
    assertThat(exit).as("child exit (log:%n%s)", Files.readString(log)).isEqualTo(77);

    device = server.open(Households.DEVICE, UnaryOperator.identity());
    // The local insert was pushed before the pull started; the page never committed.
    assertThat(device.scalar("SELECT count(*) FROM households")).isEqualTo(1L);
    assertThat(device.scalar("SELECT count(*) FROM visits")).isEqualTo(0L);
    assertThat(device.scalar("SELECT cursor FROM _fs_state")).isEqualTo(0L);
    assertThat(device.scalar("SELECT capture FROM _fs_state")).isEqualTo(1L);
    assertThat(device.log()).isEmpty();

    device.sync();

    assertThat(device.scalar("SELECT count(*) FROM households")).isEqualTo(3L);
    assertThat(device.scalar("SELECT count(*) FROM visits")).isEqualTo(3L);
    assertThat(device.scalar("SELECT cursor FROM _fs_state"))
        .isEqualTo(server.sequence(TestServer.TENANT));
    assertThat(device.log()).isEmpty();
  }
}
