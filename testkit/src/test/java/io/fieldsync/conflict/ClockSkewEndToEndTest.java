package io.fieldsync.conflict;

import static io.fieldsync.conflict.Cluster.exec;
import static io.fieldsync.conflict.Cluster.sync;
import static io.fieldsync.conflict.Cluster.syncAll;
import static io.fieldsync.conflict.Cluster.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.FieldSyncClient;
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
  Cluster cluster;

  @AfterEach
  void stop() {
    cluster.close();
  }

  private static long hlc(long millis) {
    return millis << 16;
  }

  @Test
  void aDeviceFarInTheFutureDoesNotWinAgainstALaterRealTimeEditOnceCapped() {
    cluster = new Cluster(dir, SCHEMA);
    FieldSyncClient ahead = cluster.device("device-ahead");
    FieldSyncClient honest = cluster.device("device-honest");
    FieldSyncClient behind = cluster.device("device-behind");
    exec(ahead, "INSERT INTO households (id, head_name) VALUES (?, 'Amina')", HOUSE);
    syncAll(ahead, honest, behind);
    long capsBefore = cluster.server.metrics().clockSkewCapped();
    long start = cluster.wall.get();

    exec(ahead, "UPDATE _fs_state SET hlc = ?", hlc(start + Duration.ofDays(365).toMillis()));
    exec(ahead, "UPDATE households SET head_name = 'from the future' WHERE id = ?", HOUSE);
    sync(ahead);
    assertThat(cluster.server.metrics().clockSkewCapped())
        .as("the stamps of the change, its field and the batch are capped and counted")
        .isGreaterThan(capsBefore);
    long capsAfterAhead = cluster.server.metrics().clockSkewCapped();

    // Two minutes later in real time, a device with a good clock edits the same field without
    // having seen the other edit (its stamp is what its clock says then).
    cluster.wall.addAndGet(Duration.ofMinutes(2).toMillis());
    exec(honest, "UPDATE _fs_state SET hlc = max(hlc, ?)", hlc(cluster.wall.get()));
    exec(honest, "UPDATE households SET head_name = 'Amira' WHERE id = ?", HOUSE);
    syncAll(honest, ahead, behind);
    assertThat(cluster.server.metrics().clockSkewCapped())
        .as("a good clock is never capped")
        .isEqualTo(capsAfterAhead);
    for (FieldSyncClient device : List.of(ahead, honest, behind)) {
      assertThat(value(device, "SELECT head_name FROM households")).isEqualTo("Amira");
    }
  }

  @Test
  void aDeviceHlcCatchesUpWithTheServersOnEverySync() {
    cluster = new Cluster(dir, SCHEMA);
    FieldSyncClient ahead = cluster.device("device-ahead");
    FieldSyncClient behind = cluster.device("device-behind");
    long start = cluster.wall.get();
    exec(ahead, "UPDATE _fs_state SET hlc = ?", hlc(start + Duration.ofDays(1).toMillis()));
    exec(ahead, "INSERT INTO households (id, head_name) VALUES (?, 'Amina')", HOUSE);
    sync(ahead);
    // The server merged the capped stamp: its clock now reads start + 60 s (the tolerance).
    exec(behind, "UPDATE _fs_state SET hlc = ?", hlc(start - Duration.ofHours(1).toMillis()));
    sync(behind);
    long behindHlc = ((Number) value(behind, "SELECT hlc FROM _fs_state")).longValue();
    assertThat(behindHlc).isGreaterThanOrEqualTo(hlc(start + 60_000));
    assertThat(behindHlc).isLessThan(hlc(start + 61_000));
  }
}
