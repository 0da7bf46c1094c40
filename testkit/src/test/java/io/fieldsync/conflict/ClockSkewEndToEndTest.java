package io.fieldsync.conflict;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.testkit.ManualClock;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The clock-skew guard. Devices stamp edits in SQL from SQLite's clock, so a device whose clock
 * runs ahead is simulated by what such a clock leaves behind: a {@code _fs_state.hlc} far ahead.
 */
class ClockSkewEndToEndTest {
  static final String SCHEMA =
      """
      version: 1
      tables:
        households:
          columns:
            id:        { type: uuid, primary_key: true }
            head_name: { type: text }
      """;
  static final String HOUSE = "01890000-0000-7000-8000-000000000001";

  @TempDir Path dir;
  TestServer server;

  @AfterEach
  void stop() {
    server.close();
  }

  private static long hlc(long millis) {
    return millis << 16;
  }

  @Test
  void aDeviceFarInTheFutureDoesNotWinAgainstALaterRealTimeEditOnceCapped() {
    server = TestServer.builder(dir).schema(SCHEMA).clock(ManualClock.startingNow()).start();
    TestDevice ahead = device("device-ahead");
    TestDevice honest = device("device-honest");
    TestDevice behind = device("device-behind");
    ahead.execute("INSERT INTO households (id, head_name) VALUES (?, 'Amina')", HOUSE);
    TestDevice.syncAll(ahead, honest, behind);
    long capsBefore = server.server().metrics().clockSkewCapped();
    long start = server.clock().millis();

    ahead.execute("UPDATE _fs_state SET hlc = ?", hlc(start + Duration.ofDays(365).toMillis()));
    ahead.execute("UPDATE households SET head_name = 'from the future' WHERE id = ?", HOUSE);
    ahead.syncThroughFaults();
    assertThat(server.server().metrics().clockSkewCapped())
        .as("the stamps of the change, its field and the batch are capped and counted")
        .isGreaterThan(capsBefore);
    long capsAfterAhead = server.server().metrics().clockSkewCapped();

    // Two minutes later in real time, a device with a good clock edits the same field without
    // having seen the other edit (its stamp is what its clock says then).
    server.clock().advance(Duration.ofMinutes(2));
    honest.execute("UPDATE _fs_state SET hlc = max(hlc, ?)", hlc(server.clock().millis()));
    honest.execute("UPDATE households SET head_name = 'Amira' WHERE id = ?", HOUSE);
    TestDevice.syncAll(honest, ahead, behind);
    assertThat(server.server().metrics().clockSkewCapped())
        .as("a good clock is never capped")
        .isEqualTo(capsAfterAhead);
    for (TestDevice device : List.of(ahead, honest, behind)) {
      assertThat(device.value("SELECT head_name FROM households")).isEqualTo("Amira");
    }
  }

  @Test
  void aDeviceHlcCatchesUpWithTheServersOnEverySync() {
    server = TestServer.builder(dir).schema(SCHEMA).clock(ManualClock.startingNow()).start();
    TestDevice ahead = device("device-ahead");
    TestDevice behind = device("device-behind");
    long start = server.clock().millis();
    ahead.execute("UPDATE _fs_state SET hlc = ?", hlc(start + Duration.ofDays(1).toMillis()));
    ahead.execute("INSERT INTO households (id, head_name) VALUES (?, 'Amina')", HOUSE);
    ahead.syncThroughFaults();
    // The server merged the capped stamp: its clock now reads start + 60 s (the tolerance).
    behind.execute("UPDATE _fs_state SET hlc = ?", hlc(start - Duration.ofHours(1).toMillis()));
    behind.syncThroughFaults();
    long behindHlc = ((Number) behind.value("SELECT hlc FROM _fs_state")).longValue();
    assertThat(behindHlc).isGreaterThanOrEqualTo(hlc(start + 60_000));
    assertThat(behindHlc).isLessThan(hlc(start + 61_000));
  }

  /** A device seeded by its name, so a run replays the same batch ids. */
  private TestDevice device(String name) {
    return server.device(name, builder -> builder.seed(name.hashCode()));
  }
}
