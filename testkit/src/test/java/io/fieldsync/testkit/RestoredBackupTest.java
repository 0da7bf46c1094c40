package io.fieldsync.testkit;

import static io.fieldsync.testkit.FieldSurvey.household;
import static io.fieldsync.testkit.FieldSurvey.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.SyncListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A device database restored from an older backup is told so by the server at its first push (its
 * batch number is one the server already committed), resyncs, and loses neither the edits it made
 * after the restore nor those it made, and pushed, after the backup.
 */
class RestoredBackupTest extends EndToEndTest {
  @Test
  void aDatabaseRestoredFromABackupResyncsAndKeepsEveryEdit() throws Exception {
    TestDevice tablet = server.device("tablet-7");
    TestDevice office = server.device("office");
    String before = uuid(1);
    String after = uuid(2);
    tablet.sql(household(before, "north", "Before backup"));
    tablet.sync();
    Path backup = dir.resolve("tablet-7-backup.db");
    try (Connection c = tablet.client().connection();
        Statement statement = c.createStatement()) {
      statement.execute("VACUUM INTO '" + backup + "'");
    }

    tablet.sql(
        "UPDATE households SET head_name = 'Edited after backup' WHERE id = '" + before + "'");
    tablet.sync();
    tablet.close();

    Path database = dir.resolve("tablet-7.db");
    for (String suffix : List.of("-wal", "-shm")) {
      Files.deleteIfExists(database.resolveSibling(database.getFileName() + suffix));
    }
    Files.copy(backup, database, StandardCopyOption.REPLACE_EXISTING);
    TestDevice restored = server.open("tablet-7", UnaryOperator.identity());
    List<String> resyncs = new CopyOnWriteArrayList<>();
    restored
        .client()
        .addListener(
            new SyncListener() {
              @Override
              public void resyncStarted(String reason) {
                resyncs.add(reason);
              }
            });
    assertThat(restored.snapshot().row("households", before))
        .containsEntry("head_name", "Before backup");
    restored.sql(household(after, "north", "Made after the restore"));

    restored.sync();
    office.sync();

    assertThat(resyncs).hasSize(1);
    assertThat(resyncs.get(0))
        .contains(
            "device 'tablet-7' sent batch number 2 but the server already committed its"
                + " batch 2: this database is older than the device's history");
    Replicas.Snapshot rows = server.assertConverged(restored, office);
    assertThat(rows.row("households", before)).containsEntry("head_name", "Edited after backup");
    assertThat(rows.row("households", after)).containsEntry("head_name", "Made after the restore");

    restored.sql("UPDATE households SET head_name = 'Later' WHERE id = '" + after + "'");
    restored.sync();
    office.sync();
    assertThat(resyncs).as("one resync, then ordinary syncs").hasSize(1);
    server.assertConverged(restored, office);
  }
}
