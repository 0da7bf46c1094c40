package io.fieldsync.client.internal.capture;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.internal.state.DeviceFixture;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device database written by the layout-1 library (AUTOINCREMENT log) opens and keeps working.
 * That its upgraded outbox pushes and empties is shown against a server by the testkit's {@code
 * LayoutUpgradeSyncTest}.
 */
class LayoutUpgradeTest {
  private static final String H1 = DeviceFixture.H1;
  private static final String H2 = DeviceFixture.H2;
  private static final long STAMP = io.fieldsync.clock.Hlc.of(System.currentTimeMillis(), 0);

  @TempDir Path dir;
  private DeviceFixture device;

  private Path db() {
    return dir.resolve("device.db");
  }

  @BeforeEach
  void setUp() throws Exception {
    try (DeviceFixture created = DeviceFixture.create(db())) {
      LayoutOneDatabase.rewrite(
          db(), created.schema().tables().values(), DeviceFixture.DEVICE, H1, STAMP);
    }
  }

  @AfterEach
  void closeDevice() {
    if (device != null) {
      device.close();
    }
  }

  @Test
  void openingALayout1DatabaseKeepsPendingRowsAndCapturesWithTheNewTriggers() throws Exception {
    device = DeviceFixture.open(db());

    assertThat(
            device.scalar("SELECT sql FROM sqlite_master WHERE name = '_fs_changelog'").toString())
        .doesNotContain("AUTOINCREMENT");
    assertThat(device.query("SELECT name FROM sqlite_master WHERE tbl_name = '_fs_changelog'"))
        .extracting(row -> row.get("name"))
        .containsExactlyInAnyOrder("_fs_changelog", "_fs_changelog_drained");
    assertThat(device.scalar("SELECT value FROM _fs_meta WHERE key = 'layout'"))
        .isEqualTo(LocalSchema.LAYOUT);
    device.sql("INSERT INTO households (id, region) VALUES ('" + H2 + "', 's')");

    List<Map<String, Object>> log = device.log();
    assertThat(log)
        .extracting(row -> row.get("id") + ":" + row.get("op") + ":" + row.get("rid"))
        .containsExactly("7:I:" + H1, "8:U:" + H1, "9:I:" + H2);
    assertThat(log.get(1))
        .containsEntry("hlc", STAMP + 2)
        .containsEntry("vals", "{\"head_name\":\"Ada\"}");
    assertThat((Long) log.get(2).get("hlc")).isGreaterThan(STAMP + 2);
    assertThat(device.pendingValue("households", H1, "head_name")).isEqualTo("Ada");
  }

  @Test
  void reopeningAnUpgradedDatabaseChangesNothing() throws Exception {
    DeviceFixture.open(db()).close();
    device = DeviceFixture.open(db());

    assertThat(device.log()).extracting(row -> row.get("id")).containsExactly(7L, 8L);
    device.sql("UPDATE households SET region = 'e'");
    assertThat(device.log()).hasSize(3);
  }
}
