package io.fieldsync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.internal.outbox.Outbox;
import io.fieldsync.client.internal.state.DeviceState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CaptureTest extends ClientFixture {

  @BeforeEach
  void setUp() {
    init();
  }

  @Test
  void insertLogsEveryColumnWithDeviceAndBase() throws Exception {
    sql("INSERT INTO households (id, region, head_name) VALUES ('" + H1 + "', 'north', 'Ada')");

    List<Map<String, Object>> log = log();
    assertThat(log).hasSize(1);
    Map<String, Object> row = log.get(0);
    assertThat(row)
        .containsEntry("tbl", "households")
        .containsEntry("rid", H1)
        .containsEntry("op", "I")
        .containsEntry("device", FakeServer.DEVICE)
        .containsEntry("base", 0L);
    assertThat(row.get("vals"))
        .isEqualTo(
            "{\"region\":\"north\",\"head_name\":\"Ada\",\"visits\":null,\"tags\":null,"
                + "\"score\":null,\"active\":null,\"notes\":null}");
    assertThat(row.get("extra")).isEqualTo("{\"visits\":0}");
  }

  @Test
  void updateLogsOnlyChangedColumns() throws Exception {
    sql(
        "INSERT INTO households (id, region, head_name, score) VALUES ('"
            + H1
            + "', 'n', 'Ada', 1.5)",
        "UPDATE households SET head_name = 'Grace', region = 'n', score = 1.5 WHERE id = '"
            + H1
            + "'");

    List<Map<String, Object>> log = log();
    assertThat(log).hasSize(2);
    assertThat(log.get(1))
        .containsEntry("op", "U")
        .containsEntry("vals", "{\"head_name\":\"Grace\"}");
    assertThat(log.get(1).get("extra")).isNull();
  }

  @Test
  void updateThatChangesNothingLogsNothing() throws Exception {
    sql(
        "INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')",
        "UPDATE households SET region = 'n' WHERE id = '" + H1 + "'");

    assertThat(log()).hasSize(1);
  }

  @Test
  void settingAColumnToNullIsLogged() throws Exception {
    sql(
        "INSERT INTO households (id, region, head_name) VALUES ('" + H1 + "', 'n', 'Ada')",
        "UPDATE households SET head_name = NULL WHERE id = '" + H1 + "'");

    assertThat(log().get(1)).containsEntry("vals", "{\"head_name\":null}");
  }

  @Test
  void deleteLogsDelete() throws Exception {
    sql(
        "INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')",
        "DELETE FROM households WHERE id = '" + H1 + "'");

    assertThat(log().get(1)).containsEntry("op", "D").containsEntry("rid", H1);
    assertThat(log().get(1).get("vals")).isNull();
  }

  @Test
  void insertOrReplaceOfExistingRowLogsChangedColumnsAsUpdate() throws Exception {
    sql(
        "INSERT INTO households (id, region, head_name, visits) VALUES ('"
            + H1
            + "', 'n', 'Ada', 2)",
        "INSERT OR REPLACE INTO households (id, region, head_name, visits)"
            + " VALUES ('"
            + H1
            + "', 'n', 'Grace', 5)");

    List<Map<String, Object>> log = log();
    assertThat(log).hasSize(2);
    assertThat(log.get(1))
        .containsEntry("op", "U")
        .containsEntry("vals", "{\"head_name\":\"Grace\",\"visits\":5}")
        .containsEntry("extra", "{\"visits\":3}");
    assertThat(scalar("SELECT count(*) FROM _fs_replaced")).isEqualTo(0L);
  }

  @Test
  void insertOrReplaceOfNewRowLogsInsert() throws Exception {
    sql("INSERT OR REPLACE INTO households (id, region) VALUES ('" + H1 + "', 'n')");

    assertThat(log()).singleElement().satisfies(row -> assertThat(row).containsEntry("op", "I"));
  }

  @Test
  void insertOrReplaceWithTheSameValuesLogsNothingAndLeavesNoStash() throws Exception {
    sql(
        "INSERT INTO households (id, region, visits) VALUES ('" + H1 + "', 'n', 2)",
        "INSERT OR REPLACE INTO households (id, region, visits) VALUES ('" + H1 + "', 'n', 2)");

    assertThat(log()).extracting(row -> row.get("op")).containsExactly("I");
    assertThat(scalar("SELECT count(*) FROM _fs_replaced")).isEqualTo(0L);
  }

  @Test
  void multiRowInsertOrReplaceLogsInsertsForNewRowsAndUpdatesForReplacedOnes() throws Exception {
    sql(
        "INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')",
        "INSERT OR REPLACE INTO households (id, region) VALUES ('"
            + H2
            + "', 's'), ('"
            + H1
            + "', 'e')");

    assertThat(log())
        .extracting(row -> row.get("op") + ":" + row.get("rid") + ":" + row.get("vals"))
        .containsExactly(
            "I:"
                + H1
                + ":{\"region\":\"n\",\"head_name\":null,\"visits\":null,\"tags\":null,"
                + "\"score\":null,\"active\":null,\"notes\":null}",
            "I:"
                + H2
                + ":{\"region\":\"s\",\"head_name\":null,\"visits\":null,\"tags\":null,"
                + "\"score\":null,\"active\":null,\"notes\":null}",
            "U:" + H1 + ":{\"region\":\"e\"}");
    assertThat(scalar("SELECT count(*) FROM _fs_replaced")).isEqualTo(0L);
  }

  @Test
  void aStashLeftByAnUpsertDoesNotTurnALaterFreshInsertIntoAnUpdate() throws Exception {
    sql(
        "INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')",
        "INSERT INTO households (id, region) VALUES ('" + H1 + "', 's') ON CONFLICT DO NOTHING");
    try (Connection c = client.connection();
        Statement statement = c.createStatement()) {
      // As a pull applies a server delete: capture off, so no trigger sees it.
      c.setAutoCommit(false);
      statement.execute("UPDATE _fs_state SET capture = 0");
      statement.execute("DELETE FROM households");
      statement.execute("UPDATE _fs_state SET capture = 1");
      c.commit();
    }
    sql("INSERT INTO households (id, region) VALUES ('" + H1 + "', 'w')");

    assertThat(log()).extracting(row -> row.get("op")).containsExactly("I", "I");
    assertThat(scalar("SELECT count(*) FROM _fs_replaced")).isEqualTo(0L);
  }

  @Test
  void upsertDoUpdateLogsUpdateOfChangedColumns() throws Exception {
    sql(
        "INSERT INTO households (id, region, head_name) VALUES ('" + H1 + "', 'n', 'Ada')",
        "INSERT INTO households (id, region, head_name) VALUES ('"
            + H1
            + "', 'n', 'Grace')"
            + " ON CONFLICT (id) DO UPDATE SET head_name = excluded.head_name",
        "INSERT INTO households (id, region) VALUES ('"
            + H2
            + "', 's')"
            + " ON CONFLICT (id) DO UPDATE SET head_name = excluded.head_name");

    List<Map<String, Object>> log = log();
    assertThat(log).extracting(row -> row.get("op")).containsExactly("I", "U", "I");
    assertThat(log.get(1)).containsEntry("vals", "{\"head_name\":\"Grace\"}");
  }

  @Test
  void insertOrIgnoreOfExistingRowLogsNothingAndLeavesNoStash() throws Exception {
    sql(
        "INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')",
        "INSERT OR IGNORE INTO households (id, region) VALUES ('" + H1 + "', 's')",
        "DELETE FROM households WHERE id = '" + H1 + "'",
        "INSERT INTO households (id, region) VALUES ('" + H1 + "', 'e')");

    assertThat(log()).extracting(row -> row.get("op")).containsExactly("I", "D", "I");
  }

  @Test
  void multiRowStatementsLogEachRow() throws Exception {
    sql(
        "INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n'), ('" + H2 + "', 's')",
        "UPDATE households SET head_name = 'x'",
        "DELETE FROM households");

    assertThat(log())
        .extracting(row -> row.get("op") + ":" + row.get("rid"))
        .containsExactly("I:" + H1, "I:" + H2, "U:" + H1, "U:" + H2, "D:" + H1, "D:" + H2);
  }

  @Test
  void changingThePrimaryKeyLogsDeleteAndInsert() throws Exception {
    sql(
        "INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')",
        "UPDATE households SET id = '" + H2 + "' WHERE id = '" + H1 + "'");

    assertThat(log())
        .extracting(row -> row.get("op") + ":" + row.get("rid"))
        .containsExactly("I:" + H1, "D:" + H1, "I:" + H2);
  }

  @Test
  void writesFromAPlainSecondJdbcConnectionAreCaptured() throws Exception {
    try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + db());
        Statement statement = other.createStatement()) {
      statement.execute("INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')");
      statement.execute("UPDATE households SET visits = 4 WHERE id = '" + H1 + "'");
    }

    assertThat(log()).extracting(row -> row.get("op")).containsExactly("I", "U");
    assertThat(log().get(1)).containsEntry("extra", "{\"visits\":4}");
  }

  @Test
  void writesFromTheSqlite3ShellAreCaptured() throws Exception {
    Path shell = Sqlite3Shell.require();
    String script =
        "INSERT INTO households (id, region, score) VALUES ('"
            + H1
            + "', 'n', 0.1 + 0.2);\n"
            + "INSERT OR REPLACE INTO households (id, region, score) VALUES ('"
            + H1
            + "', 's', 0.1 + 0.2);\n"
            + "INSERT INTO households (id, region) VALUES ('"
            + H1
            + "', 'w')"
            + " ON CONFLICT (id) DO UPDATE SET region = excluded.region;\n"
            + "DELETE FROM households;\n";
    Process process = new ProcessBuilder(shell.toString(), db().toString()).start();
    process.getOutputStream().write(script.getBytes(StandardCharsets.UTF_8));
    process.getOutputStream().close();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
        .isEmpty();
    assertThat(process.exitValue()).isZero();

    List<Map<String, Object>> log = log();
    assertThat(log).extracting(row -> row.get("op")).containsExactly("I", "U", "U", "D");
    assertThat(log.get(0).get("vals").toString()).contains("\"score\":0.30000000000000004");
    assertThat(log.get(1)).containsEntry("vals", "{\"region\":\"s\"}");
    assertThat(log.get(2)).containsEntry("vals", "{\"region\":\"w\"}");
  }

  @Test
  void hlcIsMonotonicAndNearTheWallClockInSql() throws Exception {
    StringBuilder values = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      values.append(i == 0 ? "" : ", ").append("('id-").append(i).append("', 'n')");
    }
    long before = System.currentTimeMillis();
    sql("INSERT INTO households (id, region) VALUES " + values);
    long after = System.currentTimeMillis();

    List<Long> stamps = log().stream().map(row -> (Long) row.get("hlc")).toList();
    assertThat(stamps).hasSize(200).isSorted().doesNotHaveDuplicates();
    assertThat(io.fieldsync.clock.Hlc.wallMillis(stamps.get(0))).isBetween(before - 5, after + 5);
    try (Connection c = client.connection()) {
      assertThat(new DeviceState(c).hlc()).isEqualTo(stamps.get(199));
    }
  }

  @Test
  void hlcStaysAboveAMergedServerClockFromTheFuture() throws Exception {
    long future = io.fieldsync.clock.Hlc.of(System.currentTimeMillis() + 3_600_000L, 7);
    sql("UPDATE _fs_state SET hlc = " + future);
    sql("INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')");

    assertThat(log().get(0)).containsEntry("hlc", future + 1);
  }

  @Test
  void stampsIncreaseAcrossStatementsOfOneTransactionAndAKeyChange() throws Exception {
    try (Connection c = client.connection();
        Statement statement = c.createStatement()) {
      c.setAutoCommit(false);
      statement.execute(
          "INSERT INTO households (id, region) VALUES ('a', 'n'), ('b', 'n'), ('c', 'n')");
      statement.execute("UPDATE households SET region = 's'");
      statement.execute("UPDATE households SET id = 'd' WHERE id = 'a'");
      statement.execute("INSERT OR REPLACE INTO households (id, region) VALUES ('b', 'e')");
      statement.execute("DELETE FROM households");
      c.commit();
    }

    List<Map<String, Object>> log = log();
    assertThat(log).hasSize(12);
    assertThat(log.stream().map(row -> (Long) row.get("hlc")).toList())
        .isSorted()
        .doesNotHaveDuplicates();
  }

  @Test
  void stampsStayAboveTheLastDrainedRowAfterTheOutboxEmpties() throws Exception {
    // Above the wall clock, so only the drained row's stamp can keep the next one higher.
    long future = io.fieldsync.clock.Hlc.of(System.currentTimeMillis() + 3_600_000L, 0);
    sql(
        "UPDATE _fs_state SET hlc = " + future,
        "INSERT INTO households (id, region) VALUES ('a', 'n'), ('b', 'n'), ('c', 'n')");
    long last = (Long) scalar("SELECT max(hlc) FROM _fs_changelog");
    assertThat(last).isEqualTo(future + 3);

    sql("DELETE FROM _fs_changelog WHERE id <= (SELECT max(id) FROM _fs_changelog)");
    sql("INSERT INTO households (id, region) VALUES ('d', 'n')");

    assertThat(log())
        .singleElement()
        .satisfies(row -> assertThat(row).containsEntry("hlc", last + 1));
    try (Connection c = client.connection()) {
      assertThat(new DeviceState(c).hlc()).isEqualTo(last + 1);
    }
  }

  @Test
  void stampsAfterASyncThatEmptiedTheOutboxAreHigherThanEveryPushedOne() throws Exception {
    long future = io.fieldsync.clock.Hlc.of(System.currentTimeMillis() + 3_600_000L, 0);
    sql(
        "UPDATE _fs_state SET hlc = " + future,
        "INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')",
        "UPDATE households SET region = 's'");
    client.syncNow();
    assertThat(log()).isEmpty();
    long pushed = server.pushes.get(0).getChanges(0).getHlc();
    assertThat(pushed).isEqualTo(future + 2);

    sql("UPDATE households SET region = 'w'");

    assertThat((Long) log().get(0).get("hlc")).isEqualTo(pushed + 1);
  }

  @Test
  void theWriteMarkMovesOnCapturesOnlyNotOnDrainsOrMerges() throws Exception {
    sql("INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')");
    long mark = writeMark();
    assertThat(mark).isEqualTo((Long) scalar("SELECT max(hlc) FROM _fs_changelog"));

    client.syncNow();
    sql("UPDATE _fs_state SET hlc = hlc + 1000000");
    assertThat(writeMark()).isEqualTo(mark);

    sql("UPDATE households SET region = 's'");
    assertThat(writeMark()).isGreaterThan(mark);
  }

  private long writeMark() throws Exception {
    return (Long)
        scalar(
            "SELECT max(coalesce((SELECT hlc FROM _fs_changelog ORDER BY id DESC LIMIT 1), 0),"
                + " drained) FROM _fs_state");
  }

  /**
   * Exact for magnitudes between about 1e-50 and 1e50: beyond that, SQLite 3.43+'s printf can be
   * one unit in the last place off at 17 digits (documented in docs/client.md).
   */
  @Test
  void realValuesRoundTripExactly() throws Exception {
    double[] values = {
      0.1 + 0.2, 1.0 / 3, 123456789.123456789, -0.0, 1.0, -273.15, 6.02214076e23, 1e-40, 4.9e45
    };
    try (Connection c = client.connection();
        PreparedStatement insert =
            c.prepareStatement("INSERT INTO households (id, region, score) VALUES (?, 'n', ?)")) {
      for (int i = 0; i < values.length; i++) {
        insert.setString(1, "r" + i);
        insert.setDouble(2, values[i]);
        insert.executeUpdate();
      }
    }

    for (int i = 0; i < values.length; i++) {
      Object logged = pending("households", "r" + i).fields.get("score").value;
      assertThat(logged).isInstanceOf(Double.class);
      assertThat(Double.doubleToLongBits((Double) logged))
          .as("score %s", values[i])
          .isEqualTo(Double.doubleToLongBits(values[i] == -0.0 ? 0.0 : values[i]));
    }
  }

  @Test
  void sumColumnsLogTheIncrement() throws Exception {
    sql(
        "INSERT INTO households (id, region, visits) VALUES ('" + H1 + "', 'n', 3)",
        "UPDATE households SET visits = visits + 2 WHERE id = '" + H1 + "'",
        "UPDATE households SET visits = visits - 7 WHERE id = '" + H1 + "'");

    assertThat(log())
        .extracting(row -> row.get("extra"))
        .containsExactly("{\"visits\":3}", "{\"visits\":2}", "{\"visits\":-7}");
  }

  @Test
  void unionColumnsLogAddedAndRemovedElements() throws Exception {
    sql(
        "INSERT INTO households (id, region, tags) VALUES ('"
            + H1
            + "', 'n', '[\"a\",\"b\",1,true]')",
        "UPDATE households SET tags = '[\"b\",\"c\",1,{\"k\":[2]},false]' WHERE id = '" + H1 + "'");

    assertThat(log().get(1).get("extra"))
        .isEqualTo("{\"tags\":{\"a\":[\"c\",{\"k\":[2]},false],\"r\":[\"a\",true]}}");
    Outbox.Row row = readRows().get(1);
    assertThat(row.added.get("tags")).containsExactly("\"c\"", "{\"k\":[2]}", "false");
    assertThat(row.removed.get("tags")).containsExactly("\"a\"", "true");
  }

  @Test
  void malformedJsonInAUnionColumnDoesNotFailTheWrite() throws Exception {
    sql(
        "INSERT INTO households (id, region, tags) VALUES ('" + H1 + "', 'n', 'not json')",
        "UPDATE households SET tags = '[\"a\"]' WHERE id = '" + H1 + "'");

    assertThat(readRows().get(1).added.get("tags")).containsExactly("\"a\"");
  }

  @Test
  void blobsAreLoggedAsHexInsteadOfFailingTheWrite() throws Exception {
    sql("INSERT INTO households (id, region) VALUES ('" + H1 + "', x'CAFE')");

    assertThat(pending("households", H1).fields.get("region").value).isEqualTo("CAFE");
  }

  @Test
  void captureOffLogsNothing() throws Exception {
    try (Connection c = client.connection();
        Statement statement = c.createStatement()) {
      c.setAutoCommit(false);
      statement.execute("UPDATE _fs_state SET capture = 0");
      statement.execute("INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')");
      statement.execute("UPDATE households SET region = 's'");
      statement.execute("DELETE FROM households");
      statement.execute("UPDATE _fs_state SET capture = 1");
      c.commit();
    }

    assertThat(log()).isEmpty();
  }

  @Test
  void aRolledBackWriteLeavesNoLogRow() throws Exception {
    try (Connection c = client.connection();
        Statement statement = c.createStatement()) {
      c.setAutoCommit(false);
      statement.execute("INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')");
      c.rollback();
    }

    assertThat(log()).isEmpty();
  }

  @Test
  void tablesHaveDeclaredTypesAndNoLocalEnforcement() throws Exception {
    sql("INSERT INTO households (id, visits, active) VALUES ('" + H1 + "', 'many', 'yes')");

    assertThat(scalar("SELECT sql FROM sqlite_master WHERE name = 'visits'").toString())
        .contains("\"household_id\" TEXT REFERENCES \"households\"")
        .contains("\"temperature\" REAL");
    assertThat(scalar("PRAGMA journal_mode")).isEqualTo("wal");
    assertThat(scalar("SELECT visits FROM households")).isEqualTo("many");
  }

  private List<Outbox.Row> readRows() throws Exception {
    try (Connection c = client.connection()) {
      return Outbox.read(c, "c.id <= ?1", Long.MAX_VALUE, null);
    }
  }
}
