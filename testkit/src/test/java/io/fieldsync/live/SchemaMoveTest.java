package io.fieldsync.live;

import static io.fieldsync.live.LiveSchema.insertHousehold;
import static io.fieldsync.live.LiveSchema.uuid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.ConfigException;
import io.fieldsync.client.SyncWorker;
import io.fieldsync.client.WorkerEvent;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.testkit.Eventually;
import io.fieldsync.testkit.SeededTest;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.SchemaResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A server restarted with a newer schema while devices run: a running worker migrates before it
 * applies what was written in the new columns, and keeps syncing.
 */
class SchemaMoveTest extends LiveServerTest {
  /** Version 2 of {@link LiveSchema#YAML}: households gain a text column {@code owner}. */
  static final String WITH_OWNER =
      LiveSchema.YAML
          .replace("version: 1", "version: 2")
          .replace(
              "      active:      { type: boolean }\n",
              "      active:      { type: boolean }\n      owner:       { type: text }\n");

  /**
   * Regression test of the divergence in which device B's worker pulled a change of a column it did
   * not have yet, dropped the value and moved its cursor past it.
   */
  @SeededTest(seeds = SyncWorkerTest.SEED)
  void aRunningWorkerMigratesBeforeItAppliesAValueOfANewColumn(long seed) throws Exception {
    assertThat(WITH_OWNER).contains("owner:").contains("version: 2");
    TestDevice a = server.device("a", SyncWorkerTest.options(seed));
    TestDevice b = server.device("b", SyncWorkerTest.options(seed + 1));
    insertHousehold(a, 1, "Ada");
    a.sync();
    WorkerEvents events = new WorkerEvents();
    SyncWorker worker = b.client().startWorker();
    worker.addListener(events.all::add);
    Eventually.until("b to hold household 1", () -> LiveSchema.count(b, "households") == 1);

    server.restartWith(WITH_OWNER);
    a = server.reopen(a, SyncWorkerTest.options(seed));
    a.sync();
    a.sql("UPDATE households SET owner = 'ann' WHERE id = '" + uuid(1) + "'");
    a.sync();

    TestDevice reader = b;
    Eventually.until(
        "b's worker to pull owner = 'ann'",
        () -> "ann".equals(owner(reader, 1)),
        () -> "b holds owner " + owner(reader, 1) + ", worker events " + events.all);
    assertThat(b.client().schema().version()).isEqualTo(2);
    assertThat(b.value("SELECT head_name FROM households WHERE id = ?", uuid(1))).isEqualTo("Ada");
    assertThat(events.has(WorkerEvent.Stopped.class)).as("events %s", events.all).isFalse();
    assertThat(worker.status().state()).isNotEqualTo(SyncWorker.State.STOPPED);
  }

  /**
   * A version-1 database in the state an older library's worker left it: it pulled a value of a
   * column it did not have, skipped it and moved its cursor past it. Its next sync migrates and
   * gets the value back.
   */
  @SeededTest(seeds = SyncWorkerTest.SEED)
  void aDeviceThatSkippedAValueBeforeMigratingGetsItBackFromTheRepair(long seed) throws Exception {
    TestDevice a = server.device("a", SyncWorkerTest.options(seed));
    TestDevice b = server.device("b", SyncWorkerTest.options(seed + 1));
    insertHousehold(a, 1, "Ada");
    a.sync();
    b.sync();
    b.close();

    ownerSetOnVersion2(a, seed);
    long head = server.sequence(TestServer.TENANT);
    olderLibraryState(b.database(), head, "UPDATE _fs_state SET cursor = " + head);
    b = server.open("b", SyncWorkerTest.options(seed + 1));
    b.sync();

    assertThat(b.client().schema().version()).isEqualTo(2);
    assertThat(owner(b, 1)).isEqualTo("ann");
    assertThat(b.value("SELECT head_name FROM households WHERE id = ?", uuid(1))).isEqualTo("Ada");
    assertThat(b.log()).isEmpty();
    assertThat(b.client().status().cursor()).isEqualTo(head);
  }

  /**
   * A database an older library migrated after it had skipped a value: version 2, the column there,
   * its value NULL and the cursor past the change. Opening it with this library repairs it.
   */
  @SeededTest(seeds = SyncWorkerTest.SEED)
  void aMigratedDeviceThatLostAValueGetsItBackAfterTheLibraryUpgrade(long seed) throws Exception {
    TestDevice a = server.device("a", SyncWorkerTest.options(seed));
    TestDevice b = server.device("b", SyncWorkerTest.options(seed + 1));
    insertHousehold(a, 1, "Ada");
    a.sync();
    b.sync();
    ownerSetOnVersion2(a, seed);
    b = server.reopen(b, SyncWorkerTest.options(seed + 1));
    b.sync();
    assertThat(owner(b, 1)).isEqualTo("ann");
    b.close();

    long head = server.sequence(TestServer.TENANT);
    olderLibraryState(
        b.database(),
        head,
        "UPDATE _fs_state SET capture = 0",
        "UPDATE households SET owner = NULL",
        "UPDATE _fs_state SET capture = 1");
    assertThat(ownerIn(b.database())).isNull();
    b = server.open("b", SyncWorkerTest.options(seed + 1));
    b.sync();

    assertThat(owner(b, 1)).isEqualTo("ann");
    assertThat(b.log()).isEmpty();
    assertThat(b.client().status().cursor()).isEqualTo(head);
    assertThat(b.value("SELECT count(*) FROM _fs_meta WHERE key = 'schema_repair'")).isEqualTo(0);
  }

  /**
   * A schema a device cannot migrate to (a column changed its type): the running worker stops and
   * says why, and applies nothing of the new server's data.
   */
  @SeededTest(seeds = SyncWorkerTest.SEED)
  void aWorkerFacingASchemaItCannotMigrateToStopsAndKeepsItsCursor(long seed) throws Exception {
    TestDevice a = server.device("a", SyncWorkerTest.options(seed));
    TestDevice b = server.device("b", SyncWorkerTest.options(seed + 1));
    insertHousehold(a, 1, "Ada");
    a.sync();
    WorkerEvents events = new WorkerEvents();
    SyncWorker worker = b.client().startWorker();
    worker.addListener(events.all::add);
    Eventually.until("b to hold household 1", () -> LiveSchema.count(b, "households") == 1);
    long cursor = b.client().status().cursor();

    // A store refuses a column's new type, so the new schema comes with a new server database on
    // the same port and token secret.
    int port = server.uri().getPort();
    server.stop();
    Path moved = Files.createDirectories(dir.resolve("v2"));
    Files.copy(server.secretFile(), moved.resolve(server.secretFile().getFileName()));
    String scoreAsText =
        LiveSchema.YAML
            .replace("version: 1", "version: 2")
            .replace("score:       { type: real }", "score:       { type: text }");
    assertThat(scoreAsText).contains("score:       { type: text }");
    try (TestServer v2 =
        TestServer.builder(moved)
            .schema(scoreAsText)
            .configure(config -> config.purgeIntervalMillis(0).port(port))
            .start()) {
      TestDevice c = v2.device("c", SyncWorkerTest.options(seed + 2));
      for (int n = 2; n <= 4; n++) {
        insertHousehold(c, n, "Cy");
      }
      c.sync();

      Eventually.until(
          "b's worker to stop",
          () -> events.has(WorkerEvent.Stopped.class),
          () -> "events " + events.all);
      WorkerEvent.Stopped stopped = events.of(WorkerEvent.Stopped.class).get(0);
      assertThat(stopped.fatal()).isTrue();
      assertThat(stopped.reason())
          .isEqualTo(
              "configuration problem: server schema changed from version 1 to 2 in a way a device"
                  + " cannot migrate: column 'score' of 'households' changed its type; initialize a"
                  + " new device database");
      assertThat(b.client().status().cursor()).isEqualTo(cursor);
      assertThat(b.client().schema().version()).isEqualTo(1);
      assertThat(LiveSchema.count(b, "households")).isEqualTo(1);
      assertThat(b.log()).isEmpty();
    }
  }

  /**
   * A pulled value of a column the device lacks while the server's schema, as the device gets it,
   * is no newer (a stale schema behind a cache, or a server that does not say a page's version):
   * the sync stops and says why instead of dropping the value.
   */
  @SeededTest(seeds = SyncWorkerTest.SEED)
  void aValueOfAColumnNoSchemaDeclaresStopsTheSyncInsteadOfBeingDropped(long seed)
      throws Exception {
    TestDevice a = server.device("a", SyncWorkerTest.options(seed));
    TestDevice b = server.device("b", SyncWorkerTest.options(seed + 1));
    insertHousehold(a, 1, "Ada");
    a.sync();
    b.sync();
    long cursor = b.client().status().cursor();
    b.close();
    Transport http = server.http(0, server.token("b"));
    SchemaResponse version1 = http.schema();

    ownerSetOnVersion2(a, seed);
    Transport stale =
        new Transport() {
          @Override
          public SchemaResponse schema() {
            return version1;
          }

          @Override
          public PushResponse push(PushRequest request) {
            return http.push(request);
          }

          @Override
          public PullResponse pull(PullRequest request) {
            return http.pull(request).toBuilder().clearSchemaVersion().build();
          }
        };
    TestDevice reopened =
        server.open(
            "b", options -> SyncWorkerTest.options(seed + 1).apply(options).transport(stale));

    assertThatThrownBy(reopened::sync)
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "the server sent column 'owner' of table 'households' (record '"
                + uuid(1)
                + "'), which the device's schema (version 1) does not have, and the server's"
                + " schema (GET /v1/schema) is not newer than version 1; nothing of it was"
                + " applied, and syncing stops rather than drop the value");
    assertThat(reopened.client().status().cursor()).isEqualTo(cursor);
    assertThat(reopened.client().schema().version()).isEqualTo(1);
    assertThat(reopened.log()).isEmpty();
  }

  /** The server moves to {@link #WITH_OWNER}; device A, reopened, sets household 1's owner. */
  private void ownerSetOnVersion2(TestDevice a, long seed) {
    server.restartWith(WITH_OWNER);
    TestDevice moved = server.reopen(a, SyncWorkerTest.options(seed));
    moved.sync();
    moved.sql("UPDATE households SET owner = 'ann' WHERE id = '" + uuid(1) + "'");
    moved.sync();
  }

  /**
   * Makes a closed device database look as an older library (layout 5) left it after pulling up to
   * {@code cursor}, with {@code statements} run first.
   */
  private static void olderLibraryState(Path database, long cursor, String... statements)
      throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database);
        Statement statement = c.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
      statement.execute(
          "INSERT INTO _fs_meta (key, value) VALUES ('pull_since', "
              + cursor
              + ") ON CONFLICT (key) DO UPDATE SET value = excluded.value");
      statement.execute("DELETE FROM _fs_meta WHERE key = 'schema_repair'");
      statement.execute("UPDATE _fs_meta SET value = 5 WHERE key = 'layout'");
    }
  }

  private static Object ownerIn(Path database) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database);
        Statement statement = c.createStatement();
        ResultSet row =
            statement.executeQuery("SELECT owner FROM households WHERE id = '" + uuid(1) + "'")) {
      assertThat(row.next()).isTrue();
      return row.getObject(1);
    }
  }

  /** Device's owner of household n, or what stands in its way. */
  static String owner(TestDevice device, int n) {
    try {
      Object value = device.value("SELECT owner FROM households WHERE id = ?", uuid(n));
      return value == null ? null : value.toString();
    } catch (RuntimeException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }
}
