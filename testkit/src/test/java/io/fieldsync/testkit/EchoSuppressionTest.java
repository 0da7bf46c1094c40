package io.fieldsync.testkit;

import static io.fieldsync.testkit.FieldSurvey.household;
import static io.fieldsync.testkit.FieldSurvey.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.SyncResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A pull leaves out what the pulling database itself pushed and had acknowledged, and only that: a
 * database that is new or restored from a copy, under the same device id, still gets every write.
 */
class EchoSuppressionTest extends EndToEndTest {
  @Test
  void ownAcknowledgedWritesAreNotPulledBackButOtherDevicesWritesAre() {
    TestDevice a = server.device("tablet-a");
    TestDevice b = server.device("tablet-b");
    a.sql(
        household(uuid(1), "north", "Fatou"),
        "UPDATE households SET members = 4 WHERE id = '" + uuid(1) + "'");

    SyncResult first = a.sync();

    assertThat(first.pushed()).isEqualTo(1);
    assertThat(first.pulled()).as("a's own insert sent back to a").isZero();
    assertThat(b.sync().pulled()).isEqualTo(1);

    b.sql("UPDATE households SET head_name = 'Fatou Sow' WHERE id = '" + uuid(1) + "'");
    assertThat(b.sync().pulled()).as("b's own edit sent back to b").isZero();
    assertThat(a.sync().pulled()).isEqualTo(1);

    assertThat(server.assertConverged(a, b).row("households", uuid(1)))
        .containsEntry("head_name", "Fatou Sow")
        .containsEntry("members", 4L);
  }

  @Test
  void aDatabaseReinitialisedWithTheSameDeviceIdGetsItsEarlierWritesEvenWhenItPushesFirst()
      throws Exception {
    try (TestDevice old = server.device("tablet-a")) {
      old.sql(household(uuid(1), "north", "Fatou"));
      old.sync();
      old.sql("UPDATE households SET head_name = 'Fatou Sow' WHERE id = '" + uuid(1) + "'");
      old.sync();
    }
    Path again = Files.createDirectories(dir.resolve("again"));
    try (TestDevice fresh = TestDevice.init(server, again, "tablet-a")) {
      // A write before the first sync: the push comes first. Its batch number is one the earlier
      // database already used, so the server has the new database resync (RestoredBackupTest);
      // either way it must end up with the earlier database's writes.
      List<String> resyncs = resyncs(fresh);
      fresh.sql(household(uuid(2), "south", "Awa"));

      fresh.sync();

      assertThat(resyncs).hasSize(1);
      Replicas.Snapshot rows = server.assertConverged(fresh);
      assertThat(rows.rows("households")).containsOnlyKeys(uuid(1), uuid(2));
      assertThat(rows.row("households", uuid(1))).containsEntry("head_name", "Fatou Sow");
    }
  }

  @Test
  void aDatabaseRestoredFromACopyTakenBeforeAPushGetsThatPushBack() throws Exception {
    Path copy = dir.resolve("tablet-a-copy.db");
    try (TestDevice device = server.device("tablet-a")) {
      device.sql(household(uuid(1), "north", "Fatou"));
      device.sync();
      device.sql("VACUUM INTO '" + copy + "'");
      device.sql(
          "UPDATE households SET head_name = 'Fatou Sow' WHERE id = '" + uuid(1) + "'",
          household(uuid(2), "south", "Awa"));
      SyncResult pushed = device.sync();
      assertThat(pushed.pushed()).isEqualTo(2);
      assertThat(pushed.pulled()).isZero();
    }
    Path database = dir.resolve("tablet-a.db");
    Files.deleteIfExists(dir.resolve("tablet-a.db-wal"));
    Files.deleteIfExists(dir.resolve("tablet-a.db-shm"));
    Files.copy(copy, database, StandardCopyOption.REPLACE_EXISTING);
    try (TestDevice restored = server.open("tablet-a", UnaryOperator.identity())) {
      assertThat(restored.scalar("SELECT count(*) FROM households")).isEqualTo(1L);
      List<String> resyncs = resyncs(restored);
      restored.sql(household(uuid(3), "east", "Esther"));

      restored.sync();

      assertThat(resyncs).as("the restored copy is older than the device's history").hasSize(1);
      Replicas.Snapshot rows = server.assertConverged(restored);
      assertThat(rows.rows("households")).containsOnlyKeys(uuid(1), uuid(2), uuid(3));
      assertThat(rows.row("households", uuid(1))).containsEntry("head_name", "Fatou Sow");
    }
  }

  @Test
  void mergedCountersAndMaximaConvergeWithoutTheEcho() {
    TestDevice a = server.device("tablet-a");
    TestDevice b = server.device("tablet-b");
    a.sql(household(uuid(1), "north", "Fatou"));
    a.sync();
    b.sync();
    a.sql(
        "UPDATE households SET visit_count = visit_count + 2, members = 3 WHERE id = '"
            + uuid(1)
            + "'");
    b.sql(
        "UPDATE households SET visit_count = visit_count + 5, members = 6 WHERE id = '"
            + uuid(1)
            + "'");

    a.sync();
    SyncResult merged = b.sync();
    a.sync();
    b.sync();

    assertThat(merged.merged()).isEqualTo(1);
    assertThat(server.assertConverged(a, b).row("households", uuid(1)))
        .containsEntry("visit_count", 7L)
        .containsEntry("members", 6L);
  }

  /** The reasons of the resyncs the device starts from now on. */
  private static List<String> resyncs(TestDevice device) {
    List<String> reasons = new java.util.concurrent.CopyOnWriteArrayList<>();
    device
        .client()
        .addListener(
            new io.fieldsync.client.SyncListener() {
              @Override
              public void resyncStarted(String reason) {
                reasons.add(reason);
              }
            });
    return reasons;
  }
}
