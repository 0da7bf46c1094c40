package io.fieldsync.client;

import static io.fieldsync.client.Households.H1;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.clock.Hlc;
import io.fieldsync.testkit.FaultyTransport;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The capture clock across a sync that empties the outbox: stamps never go back, and the write mark
 * the worker polls moves on captures only. The capture triggers alone are the client module's
 * {@code CaptureTest}.
 */
class CaptureClockTest {
  @TempDir Path dir;
  TestServer server;
  FaultyTransport network;
  TestDevice device;

  @BeforeEach
  void setUp() {
    server = TestServer.builder(dir).schema(Households.SCHEMA_YAML).start();
    network = Households.network(server);
    device = Households.device(server, network);
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  @Test
  void stampsAfterASyncThatEmptiedTheOutboxAreHigherThanEveryPushedOne() {
    long future = Hlc.of(System.currentTimeMillis() + 3_600_000L, 0);
    device.sql(
        "UPDATE _fs_state SET hlc = " + future,
        "INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')",
        "UPDATE households SET region = 's'");
    device.sync();
    assertThat(device.log()).isEmpty();
    long pushed = network.pushes().get(0).getChanges(0).getHlc();
    assertThat(pushed).isEqualTo(future + 2);

    device.sql("UPDATE households SET region = 'w'");

    assertThat((Long) device.log().get(0).get("hlc")).isEqualTo(pushed + 1);
  }

  @Test
  void theWriteMarkMovesOnCapturesOnlyNotOnDrainsOrMerges() {
    device.sql("INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')");
    long mark = writeMark();
    assertThat(mark).isEqualTo((Long) device.scalar("SELECT max(hlc) FROM _fs_changelog"));

    device.sync();
    device.sql("UPDATE _fs_state SET hlc = hlc + 1000000");
    assertThat(writeMark()).isEqualTo(mark);

    device.sql("UPDATE households SET region = 's'");
    assertThat(writeMark()).isGreaterThan(mark);
  }

  private long writeMark() {
    return (Long)
        device.scalar(
            "SELECT max(coalesce((SELECT hlc FROM _fs_changelog ORDER BY id DESC LIMIT 1), 0),"
                + " drained) FROM _fs_state");
  }
}
