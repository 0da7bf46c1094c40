package io.fieldsync.testkit;

import static io.fieldsync.testkit.FieldSurvey.household;
import static io.fieldsync.testkit.FieldSurvey.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.clock.Hlc;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Devices edit offline, sync over real HTTP, and every replica ends up identical, by lww. */
class ConvergenceTest extends EndToEndTest {
  @Test
  void offlineEditsOfFieldsInsertsAndDeletesConvergeByLastWriterWins() throws Exception {
    TestDevice amina = server.device("tablet-amina");
    TestDevice ben = server.device("phone-ben");
    TestDevice chidi = server.device("tablet-chidi");
    String h1 = uuid(1);
    String h2 = uuid(2);
    String h3 = uuid(3);
    amina.sql(household(h1, "north", "Fatou"), household(h2, "north", "Ibrahim"));
    amina.sql(household(h3, "south", "Awa"));
    amina.sync();
    ben.sync();
    chidi.sync();
    server.assertConverged(amina, ben, chidi);

    // Offline: different fields of h1, the same field of h1, inserts, a delete.
    amina.sql("UPDATE households SET head_name = 'Fatou Diallo' WHERE id = '" + h1 + "'");
    ben.sql("UPDATE households SET latitude = 12.5 WHERE id = '" + h1 + "'");
    amina.sql("UPDATE households SET longitude = -8.25 WHERE id = '" + h1 + "'");
    awaitClockTick();
    ben.sql("UPDATE households SET longitude = -8.75 WHERE id = '" + h1 + "'");
    chidi.sql(
        "UPDATE households SET registered_at = '2026-11-20T09:00:00Z' WHERE id = '" + h1 + "'");
    String visit = uuid(100);
    ben.sql(
        "INSERT INTO visits (id, household_id, visited_at, visitor) VALUES ('"
            + visit
            + "', '"
            + h2
            + "', '2026-11-21T08:15:00Z', 'Ben')");
    chidi.sql(household(uuid(4), "east", "Kofi"));
    chidi.sql("DELETE FROM households WHERE id = '" + h3 + "'");

    long aminaStamp = stamp(amina, h1, "longitude");
    long benStamp = stamp(ben, h1, "longitude");
    double expectedLongitude =
        Hlc.compare(benStamp, ben.name(), aminaStamp, amina.name()) > 0 ? -8.75 : -8.25;

    // Reconnect in an order where the earlier writer pushes last.
    ben.sync();
    chidi.sync();
    amina.sync();
    ben.sync();
    chidi.sync();

    Replicas.Snapshot rows = server.assertConverged(amina, ben, chidi);
    Map<String, Object> first = rows.row("households", h1);
    assertThat(first)
        .containsEntry("head_name", "Fatou Diallo")
        .containsEntry("latitude", 12.5)
        .containsEntry("longitude", expectedLongitude)
        .containsEntry("registered_at", "2026-11-20T09:00:00Z");
    assertThat(benStamp).as("ben edited longitude after amina").isGreaterThan(aminaStamp);
    assertThat(rows.rows("households")).containsOnlyKeys(h1, h2, uuid(4));
    assertThat(rows.row("visits", visit)).containsEntry("visitor", "Ben");
  }

  @Test
  void equalStampsAreDecidedByDeviceIdWhicheverPushesFirst() throws Exception {
    TestDevice anna = server.device("device-anna");
    TestDevice zoe = server.device("device-zoe");
    String zoeFirst = uuid(1);
    String annaFirst = uuid(2);
    anna.sql(household(zoeFirst, "north", "Original"), household(annaFirst, "north", "Original"));
    anna.sync();
    zoe.sync();

    for (String id : new String[] {zoeFirst, annaFirst}) {
      // Both clocks are set to the same stamp (within the server's skew tolerance), so both
      // edits carry the same HLC and only the device id can decide.
      long stamp = (System.currentTimeMillis() + 20_000) << 16;
      for (TestDevice device : server.devices()) {
        device.sql("UPDATE _fs_state SET hlc = " + stamp);
      }
      anna.sql("UPDATE households SET head_name = 'by anna' WHERE id = '" + id + "'");
      zoe.sql("UPDATE households SET head_name = 'by zoe' WHERE id = '" + id + "'");
      assertThat(stamp(anna, id, "head_name")).isEqualTo(stamp(zoe, id, "head_name"));
      if (id.equals(zoeFirst)) {
        zoe.sync();
        anna.sync();
      } else {
        anna.sync();
        zoe.sync();
      }
      anna.sync();
    }

    Replicas.Snapshot rows = server.assertConverged(anna, zoe);
    assertThat(rows.row("households", zoeFirst)).containsEntry("head_name", "by zoe");
    assertThat(rows.row("households", annaFirst)).containsEntry("head_name", "by zoe");
  }

  /** The HLC of the device's pending edit of a column of a household. */
  private static long stamp(TestDevice device, String id, String column) throws Exception {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + device.database());
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT max(hlc) FROM _fs_changelog WHERE tbl = 'households' AND rid = '"
                    + id
                    + "' AND json_extract(vals, '$."
                    + column
                    + "') IS NOT NULL")) {
      assertThat(rows.next()).isTrue();
      long hlc = rows.getLong(1);
      assertThat(hlc).as("%s has a pending edit of %s", device.name(), column).isPositive();
      return hlc;
    }
  }

  /** Waits (bounded) until the wall clock has moved past the current millisecond. */
  private static void awaitClockTick() {
    long now = System.currentTimeMillis();
    long deadline = System.nanoTime() + 1_000_000_000L;
    while (System.currentTimeMillis() <= now) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the wall clock did not advance within 1 s");
      }
      Thread.onSpinWait();
    }
  }
}
