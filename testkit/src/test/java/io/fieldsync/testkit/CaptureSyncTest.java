package io.fieldsync.testkit;

import static io.fieldsync.testkit.FieldSurvey.household;
import static io.fieldsync.testkit.FieldSurvey.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.Sqlite3Shell;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Writes made without the library (another JDBC connection, the sqlite3 shell) are synced. */
class CaptureSyncTest extends EndToEndTest {
  @Test
  void aWriteThroughAPlainJdbcConnectionIsCapturedAndSynced() throws Exception {
    TestDevice writer = server.device("tablet-writer");
    TestDevice reader = server.device("tablet-reader");
    String h1 = uuid(1);
    String h2 = uuid(2);
    // No library in the way: the driver manager, default settings, autocommit.
    try (Connection plain = DriverManager.getConnection("jdbc:sqlite:" + writer.database());
        Statement sql = plain.createStatement()) {
      sql.executeUpdate(household(h1, "north", "Fatou"));
      sql.executeUpdate(household(h2, "north", "Ibrahim"));
      sql.executeUpdate("UPDATE households SET members = 4 WHERE id = '" + h1 + "'");
      sql.executeUpdate("DELETE FROM households WHERE id = '" + h2 + "'");
    }
    assertThat(writer.client().status().pending()).isEqualTo(4);

    writer.sync();
    reader.sync();

    Replicas.Snapshot rows = server.assertConverged(writer, reader);
    assertThat(rows.rows("households")).containsOnlyKeys(h1);
    assertThat(rows.row("households", h1))
        .containsEntry("head_name", "Fatou")
        .containsEntry("members", 4L);
  }

  @Test
  void aWriteThroughTheSqlite3ShellIsCapturedAndSynced() throws Exception {
    Path sqlite3 = Sqlite3Shell.require();
    TestDevice writer = server.device("tablet-writer");
    TestDevice reader = server.device("tablet-reader");
    String h1 = uuid(1);
    reader.sql(household(h1, "north", "Fatou"));
    reader.sync();
    writer.sync();

    String script =
        household(uuid(2), "south", "Awa")
            + ";\nUPDATE households SET head_name = 'Fatou Sow', visit_count = visit_count + 2"
            + " WHERE id = '"
            + h1
            + "';\nINSERT INTO visits (id, household_id, visited_at) VALUES ('"
            + uuid(10)
            + "', '"
            + h1
            + "', '2026-11-21T08:15:00Z');\n";
    Path log = dir.resolve("sqlite3.log");
    Process shell =
        new ProcessBuilder(sqlite3.toString(), writer.database().toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    shell.getOutputStream().write(script.getBytes(StandardCharsets.UTF_8));
    shell.getOutputStream().close();
    assertThat(shell.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(shell.exitValue()).as("sqlite3 output: %s", Files.readString(log)).isZero();
    assertThat(Files.readString(log)).isEmpty();
    assertThat(writer.client().status().pending()).isEqualTo(3);

    writer.sync();
    reader.sync();

    Replicas.Snapshot rows = server.assertConverged(writer, reader);
    assertThat(rows.rows("households")).containsOnlyKeys(h1, uuid(2));
    assertThat(rows.row("households", h1))
        .containsEntry("head_name", "Fatou Sow")
        .containsEntry("visit_count", 2L);
    assertThat(rows.rows("visits")).containsOnlyKeys(uuid(10));
  }
}
