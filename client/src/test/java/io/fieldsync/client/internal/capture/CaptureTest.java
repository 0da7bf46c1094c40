package io.fieldsync.client.internal.capture;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.Sqlite3Shell;
import io.fieldsync.client.internal.state.DeviceFixture;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaptureTest {
  private static final String H1 = DeviceFixture.H1;
  private static final String H2 = DeviceFixture.H2;

  @TempDir Path dir;
  private DeviceFixture device;

  @BeforeEach
  void setUp() {
    device = DeviceFixture.create(dir.resolve("device.db"));
  }

  @AfterEach
  void closeDevice() {
    device.close();
  }

  @Test
  void insertLogsEveryColumnWithDeviceAndBase() throws Exception {
    device.sql(
        "INSERT INTO households (id, region, head_name) VALUES ('" + H1 + "', 'north', 'Ada')");

    List<Map<String, Object>> log = device.log();
    assertThat(log).hasSize(1);
    Map<String, Object> row = log.get(0);
    assertThat(row)
        .containsEntry("tbl", "households")
        .containsEntry("rid", H1)
        .containsEntry("op", "I")
        .containsEntry("device", DeviceFixture.DEVICE)
        .containsEntry("base", 0L);
    assertThat(row.get("vals"))
        .isEqualTo(
            "{\"region\":\"north\",\"head_name\":\"Ada\",\"visits\":null,\"tags\":null,"
                + "\"score\":null,\"active\":null,\"notes\":null}");
    assertThat(row.get("extra")).isEqualTo("{\"visits\":0}");
  }

  @Test
  void updateLogsOnlyChangedColumns() throws Exception {
    device.sql(
        "INSERT INTO households (id, region, head_name, score) VALUES ('"
            + H1
            + "', 'n', 'Ada', 1.5)",
        "UPDATE households SET head_name = 'Grace', region = 'n', score = 1.5 WHERE id = '"
            + H1
            + "'");

    List<Map<String, Object>> log = device.log();
    assertThat(log).hasSize(2);
    assertThat(log.get(1))
        .containsEntry("op", "U")
        .containsEntry("vals", "{\"head_name\":\"Grace\"}");
    assertThat(log.get(1).get("extra")).isNull();
  }

  @Test
  void updateThatChangesNothingLogsNothing() throws Exception {
    device.sql(
        "INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')",
        "UPDATE households SET region = 'n' WHERE id = '" + H1 + "'");

    assertThat(device.log()).hasSize(1);
  }

  @Test
  void settingAColumnToNullIsLogged() throws Exception {
    device.sql(
        "INSERT INTO households (id, region, head_name) VALUES ('" + H1 + "', 'n', 'Ada')",
        "UPDATE households SET head_name = NULL WHERE id = '" + H1 + "'");

    assertThat(device.log().get(1)).containsEntry("vals", "{\"head_name\":null}");
  }

  @Test
  void deleteLogsDelete() throws Exception {
    device.sql(
        "INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')",
        "DELETE FROM households WHERE id = '" + H1 + "'");

    assertThat(device.log().get(1)).containsEntry("op", "D").containsEntry("rid", H1);
    assertThat(device.log().get(1).get("vals")).isNull();
  }

  @Test
  void insertOrReplaceOfExistingRowLogsChangedColumnsAsUpdate() throws Exception {
    device.sql(
        "INSERT INTO households (id, region, head_name, visits) VALUES ('"
            + H1
            + "', 'n', 'Ada', 2)",
        "INSERT OR REPLACE INTO households (id, region, head_name, visits)"
            + " VALUES ('"
            + H1
            + "', 'n', 'Grace', 5)");

    List<Map<String, Object>> log = device.log();
    assertThat(log).hasSize(2);
    assertThat(log.get(1))
        .containsEntry("op", "U")
        .containsEntry("vals", "{\"head_name\":\"Grace\",\"visits\":5}")
        .containsEntry("extra", "{\"visits\":3}");
    assertThat(device.scalar("SELECT count(*) FROM _fs_replaced")).isEqualTo(0L);
  }

  @Test
  void insertOrReplaceOfNewRowLogsInsert() throws Exception {
    device.sql("INSERT OR REPLACE INTO households (id, region) VALUES ('" + H1 + "', 'n')");

    assertThat(device.log())
        .singleElement()
        .satisfies(row -> assertThat(row).containsEntry("op", "I"));
  }

  @Test
  void insertOrReplaceWithTheSameValuesLogsNothingAndLeavesNoStash() throws Exception {
    device.sql(
        "INSERT INTO households (id, region, visits) VALUES ('" + H1 + "', 'n', 2)",
        "INSERT OR REPLACE INTO households (id, region, visits) VALUES ('" + H1 + "', 'n', 2)");

    assertThat(device.log()).extracting(row -> row.get("op")).containsExactly("I");
    assertThat(device.scalar("SELECT count(*) FROM _fs_replaced")).isEqualTo(0L);
  }

  @Test
  void multiRowInsertOrReplaceLogsInsertsForNewRowsAndUpdatesForReplacedOnes() throws Exception {
    device.sql(
        "INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')",
        "INSERT OR REPLACE INTO households (id, region) VALUES ('"
            + H2
            + "', 's'), ('"
            + H1
            + "', 'e')");

    assertThat(device.log())
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
    assertThat(device.scalar("SELECT count(*) FROM _fs_replaced")).isEqualTo(0L);
  }

  @Test
  void aStashLeftByAnUpsertDoesNotTurnALaterFreshInsertIntoAnUpdate() throws Exception {
    device.sql(
        "INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')",
        "INSERT INTO households (id, region) VALUES ('" + H1 + "', 's') ON CONFLICT DO NOTHING");
    try (Connection c = device.connection();
        Statement statement = c.createStatement()) {
      // As a pull applies a server delete: capture off, so no trigger sees it.
      c.setAutoCommit(false);
      statement.execute("UPDATE _fs_state SET capture = 0");
      statement.execute("DELETE FROM households");
      statement.execute("UPDATE _fs_state SET capture = 1");
      c.commit();
    }
    device.sql("INSERT INTO households (id, region) VALUES ('" + H1 + "', 'w')");

    assertThat(device.log()).extracting(row -> row.get("op")).containsExactly("I", "I");
    assertThat(device.scalar("SELECT count(*) FROM _fs_replaced")).isEqualTo(0L);
  }

  @Test
  void upsertDoUpdateLogsUpdateOfChangedColumns() throws Exception {
    device.sql(
        "INSERT INTO households (id, region, head_name) VALUES ('" + H1 + "', 'n', 'Ada')",
        "INSERT INTO households (id, region, head_name) VALUES ('"
            + H1
            + "', 'n', 'Grace')"
            + " ON CONFLICT (id) DO UPDATE SET head_name = excluded.head_name",
        "INSERT INTO households (id, region) VALUES ('"
            + H2
            + "', 's')"
            + " ON CONFLICT (id) DO UPDATE SET head_name = excluded.head_name");

    List<Map<String, Object>> log = device.log();
    assertThat(log).extracting(row -> row.get("op")).containsExactly("I", "U", "I");
    assertThat(log.get(1)).containsEntry("vals", "{\"head_name\":\"Grace\"}");
  }

  @Test
  void insertOrIgnoreOfExistingRowLogsNothingAndLeavesNoStash() throws Exception {
    device.sql(
        "INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')",
        "INSERT OR IGNORE INTO households (id, region) VALUES ('" + H1 + "', 's')",
        "DELETE FROM households WHERE id = '" + H1 + "'",
        "INSERT INTO households (id, region) VALUES ('" + H1 + "', 'e')");

    assertThat(device.log()).extracting(row -> row.get("op")).containsExactly("I", "D", "I");
  }

  @Test
  void multiRowStatementsLogEachRow() throws Exception {
    device.sql(
        "INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n'), ('" + H2 + "', 's')",
        "UPDATE households SET head_name = 'x'",
        "DELETE FROM households");

    assertThat(device.log())
        .extracting(row -> row.get("op") + ":" + row.get("rid"))
        .containsExactly("I:" + H1, "I:" + H2, "U:" + H1, "U:" + H2, "D:" + H1, "D:" + H2);
  }

  @Test
  void changingThePrimaryKeyLogsDeleteAndInsert() throws Exception {
    device.sql(
        "INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')",
        "UPDATE households SET id = '" + H2 + "' WHERE id = '" + H1 + "'");

    assertThat(device.log())
        .extracting(row -> row.get("op") + ":" + row.get("rid"))
        .containsExactly("I:" + H1, "D:" + H1, "I:" + H2);
  }

  @Test
  void writesFromAPlainSecondJdbcConnectionAreCaptured() throws Exception {
    try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + device.path());
        Statement statement = other.createStatement()) {
      statement.execute("INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')");
      statement.execute("UPDATE households SET visits = 4 WHERE id = '" + H1 + "'");
    }

    assertThat(device.log()).extracting(row -> row.get("op")).containsExactly("I", "U");
    assertThat(device.log().get(1)).containsEntry("extra", "{\"visits\":4}");
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
    Process process = new ProcessBuilder(shell.toString(), device.path().toString()).start();
    process.getOutputStream().write(script.getBytes(StandardCharsets.UTF_8));
    process.getOutputStream().close();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
        .isEmpty();
    assertThat(process.exitValue()).isZero();

    List<Map<String, Object>> log = device.log();
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
    device.sql("INSERT INTO households (id, region) VALUES " + values);
    long after = System.currentTimeMillis();

    List<Long> stamps = device.log().stream().map(row -> (Long) row.get("hlc")).toList();
    assertThat(stamps).hasSize(200).isSorted().doesNotHaveDuplicates();
    assertThat(io.fieldsync.clock.Hlc.wallMillis(stamps.get(0))).isBetween(before - 5, after + 5);
    try (Connection c = device.connection()) {
      assertThat(new DeviceState(c).hlc()).isEqualTo(stamps.get(199));
    }
  }

  @Test
  void hlcStaysAboveAMergedServerClockFromTheFuture() throws Exception {
    long future = io.fieldsync.clock.Hlc.of(System.currentTimeMillis() + 3_600_000L, 7);
    device.sql("UPDATE _fs_state SET hlc = " + future);
    device.sql("INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')");

    assertThat(device.log().get(0)).containsEntry("hlc", future + 1);
  }

  @Test
  void stampsIncreaseAcrossStatementsOfOneTransactionAndAKeyChange() throws Exception {
    try (Connection c = device.connection();
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

    List<Map<String, Object>> log = device.log();
    assertThat(log).hasSize(12);
    assertThat(log.stream().map(row -> (Long) row.get("hlc")).toList())
        .isSorted()
        .doesNotHaveDuplicates();
  }

  @Test
  void stampsStayAboveTheLastDrainedRowAfterTheOutboxEmpties() throws Exception {
    // Above the wall clock, so only the drained row's stamp can keep the next one higher.
    long future = io.fieldsync.clock.Hlc.of(System.currentTimeMillis() + 3_600_000L, 0);
    device.sql(
        "UPDATE _fs_state SET hlc = " + future,
        "INSERT INTO households (id, region) VALUES ('a', 'n'), ('b', 'n'), ('c', 'n')");
    long last = (Long) device.scalar("SELECT max(hlc) FROM _fs_changelog");
    assertThat(last).isEqualTo(future + 3);

    device.sql("DELETE FROM _fs_changelog WHERE id <= (SELECT max(id) FROM _fs_changelog)");
    device.sql("INSERT INTO households (id, region) VALUES ('d', 'n')");

    assertThat(device.log())
        .singleElement()
        .satisfies(row -> assertThat(row).containsEntry("hlc", last + 1));
    try (Connection c = device.connection()) {
      assertThat(new DeviceState(c).hlc()).isEqualTo(last + 1);
    }
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
    try (Connection c = device.connection();
        PreparedStatement insert =
            c.prepareStatement("INSERT INTO households (id, region, score) VALUES (?, 'n', ?)")) {
      for (int i = 0; i < values.length; i++) {
        insert.setString(1, "r" + i);
        insert.setDouble(2, values[i]);
        insert.executeUpdate();
      }
    }

    for (int i = 0; i < values.length; i++) {
      Object logged = device.pendingValue("households", "r" + i, "score");
      assertThat(logged).isInstanceOf(Double.class);
      assertThat(Double.doubleToLongBits((Double) logged))
          .as("score %s", values[i])
          .isEqualTo(Double.doubleToLongBits(values[i] == -0.0 ? 0.0 : values[i]));
    }
  }

  @Test
  void sumColumnsLogTheIncrement() throws Exception {
    device.sql(
        "INSERT INTO households (id, region, visits) VALUES ('" + H1 + "', 'n', 3)",
        "UPDATE households SET visits = visits + 2 WHERE id = '" + H1 + "'",
        "UPDATE households SET visits = visits - 7 WHERE id = '" + H1 + "'");

    assertThat(device.log())
        .extracting(row -> row.get("extra"))
        .containsExactly("{\"visits\":3}", "{\"visits\":2}", "{\"visits\":-7}");
  }

  @Test
  void blobsAreLoggedAsHexInsteadOfFailingTheWrite() throws Exception {
    device.sql("INSERT INTO households (id, region) VALUES ('" + H1 + "', x'CAFE')");

    assertThat(device.pendingValue("households", H1, "region")).isEqualTo("CAFE");
  }

  @Test
  void captureOffLogsNothing() throws Exception {
    try (Connection c = device.connection();
        Statement statement = c.createStatement()) {
      c.setAutoCommit(false);
      statement.execute("UPDATE _fs_state SET capture = 0");
      statement.execute("INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')");
      statement.execute("UPDATE households SET region = 's'");
      statement.execute("DELETE FROM households");
      statement.execute("UPDATE _fs_state SET capture = 1");
      c.commit();
    }

    assertThat(device.log()).isEmpty();
  }

  @Test
  void aRolledBackWriteLeavesNoLogRow() throws Exception {
    try (Connection c = device.connection();
        Statement statement = c.createStatement()) {
      c.setAutoCommit(false);
      statement.execute("INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')");
      c.rollback();
    }

    assertThat(device.log()).isEmpty();
  }

  @Test
  void tablesHaveDeclaredTypesAndNoLocalEnforcement() throws Exception {
    device.sql("INSERT INTO households (id, visits, active) VALUES ('" + H1 + "', 'many', 'yes')");

    assertThat(device.scalar("SELECT sql FROM sqlite_master WHERE name = 'visits'").toString())
        .contains("\"household_id\" TEXT REFERENCES \"households\"")
        .contains("\"temperature\" REAL");
    assertThat(device.scalar("PRAGMA journal_mode")).isEqualTo("wal");
    assertThat(device.scalar("SELECT visits FROM households")).isEqualTo("many");
  }
}
