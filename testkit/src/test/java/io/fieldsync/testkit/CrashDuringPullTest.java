package io.fieldsync.testkit;

import static io.fieldsync.testkit.FieldSurvey.household;
import static io.fieldsync.testkit.FieldSurvey.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** A device process killed while applying a pulled page reopens consistent and finishes. */
class CrashDuringPullTest extends EndToEndTest {
  @Test
  void aDeviceKilledWhileApplyingAPullPageReopensConsistentAndFinishesTheSync() throws Exception {
    TestDevice field = server.device("tablet-field");
    TestDevice victim = server.device("tablet-victim");
    String h1 = uuid(1);
    victim.sql(household(h1, "north", "Fatou"));
    victim.sync();
    field.sync();
    for (int n = 2; n <= 6; n++) {
      field.sql(household(uuid(n), "north", "Head " + n));
      field.sql(
          "INSERT INTO visits (id, household_id, visited_at) VALUES ('"
              + uuid(100 + n)
              + "', '"
              + uuid(n)
              + "', '2026-11-21T08:15:00Z')");
    }
    field.sync();
    victim.sql("UPDATE households SET head_name = 'Fatou Sow' WHERE id = '" + h1 + "'");
    long cursorBefore = (Long) victim.scalar("SELECT cursor FROM _fs_state");
    Replicas.Snapshot rowsBefore = victim.snapshot();
    victim.close();

    Path log = dir.resolve("victim.log");
    int exit = DeviceProcess.sync(victim.database(), 3, 4, log, Duration.ofSeconds(60));
    assertThat(exit).as("child exit code; its log:%n%s", Files.readString(log)).isEqualTo(77);

    TestDevice reopened = server.open("tablet-victim", UnaryOperator.identity());
    // The push before the pull was acknowledged; the page never committed.
    assertThat(reopened.scalar("SELECT cursor FROM _fs_state")).isEqualTo(cursorBefore);
    assertThat(reopened.snapshot().toString()).isEqualTo(rowsBefore.toString());
    assertThat(reopened.scalar("SELECT capture FROM _fs_state")).isEqualTo(1L);
    assertThat(reopened.scalar("SELECT count(*) FROM _fs_changelog")).isEqualTo(0L);
    assertThat(reopened.scalar("SELECT count(*) FROM _fs_inflight")).isEqualTo(0L);
    assertThat(reopened.scalar("PRAGMA integrity_check")).isEqualTo("ok");
    assertThat(server.snapshot().row("households", h1)).containsEntry("head_name", "Fatou Sow");

    // Capture is still on: a new local write is logged and travels.
    reopened.sql("UPDATE households SET members = 3 WHERE id = '" + h1 + "'");
    assertThat(reopened.client().status().pending()).isEqualTo(1);
    reopened.sync();
    field.sync();

    Replicas.Snapshot rows = server.assertConverged(reopened, field);
    assertThat(rows.rows("households")).hasSize(6);
    assertThat(rows.rows("visits")).hasSize(5);
    assertThat(rows.row("households", h1)).containsEntry("members", 3L);
  }
}
