package io.fieldsync.client.internal.capture;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.ConflictExplanation;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.ParkedEdit;
import io.fieldsync.client.RejectedChange;
import io.fieldsync.client.internal.state.DeviceFixture;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device database of layout 6 (rejected and parked entries without explanations or the pushed
 * change) opens as the current layout with its entries intact, listed, and retried from the values
 * they kept.
 */
class LayoutSixUpgradeTest {
  private static final String H1 = DeviceFixture.H1;

  @TempDir Path dir;
  private DeviceFixture fixture;

  private Path db() {
    return dir.resolve("device.db");
  }

  @AfterEach
  void closeDevice() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    fixture = DeviceFixture.create(db());
    fixture.close();
    fixture = null;
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db());
        Statement statement = c.createStatement()) {
      statement.execute("DROP TABLE _fs_rejected");
      statement.execute("DROP TABLE _fs_parked");
      statement.execute(
          "CREATE TABLE _fs_rejected (id INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL,"
              + " rid TEXT, op TEXT NOT NULL, vals TEXT, reason TEXT NOT NULL, batch_id TEXT NOT"
              + " NULL, at INTEGER NOT NULL)");
      statement.execute(
          "CREATE TABLE _fs_parked (id INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL,"
              + " rid TEXT NOT NULL, col TEXT, device_value TEXT, reason TEXT NOT NULL, at INTEGER"
              + " NOT NULL, seq INTEGER NOT NULL, field_hlc INTEGER NOT NULL)");
      statement.execute(
          "INSERT INTO _fs_rejected (tbl, rid, op, vals, reason, batch_id, at) VALUES"
              + " ('households', '"
              + H1
              + "', 'INSERT', '{\"region\":\"n\",\"head_name\":\"Ada\"}', 'refused', 'b-1', 1000)");
      statement.execute(
          "INSERT INTO _fs_parked (tbl, rid, col, device_value, reason, at, seq, field_hlc) VALUES"
              + " ('households', '"
              + H1
              + "', 'head_name', '\"Bo\"', 'parked', 2000, 3, 4)");
      statement.execute("UPDATE _fs_meta SET value = 6 WHERE key = 'layout'");
    }
  }

  @Test
  void entriesKeptBeforeAreListedAndARejectedOneIsRetriedFromItsValues() throws Exception {
    try (FieldSyncClient client = FieldSyncClient.open(db())) {
      List<RejectedChange> rejected = client.rejected().list();
      assertThat(rejected)
          .extracting(RejectedChange::recordId, RejectedChange::values, RejectedChange::reason)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(
                  H1, "{\"region\":\"n\",\"head_name\":\"Ada\"}", "refused"));
      assertThat(rejected.get(0).explanations()).isEmpty();
      List<ParkedEdit> parked = client.parked().list();
      assertThat(parked).hasSize(1);
      assertThat(parked.get(0).explanation().outcome())
          .isEqualTo(ConflictExplanation.Outcome.PARKED);
      assertThat(parked.get(0).explanation().deviceValue()).isEqualTo("\"Bo\"");

      client.rejected().retry(rejected.get(0).id());
      assertThat(client.rejected().list()).isEmpty();
    }
    fixture = DeviceFixture.open(db());
    assertThat(fixture.scalar("SELECT value FROM _fs_meta WHERE key = 'layout'"))
        .isEqualTo(LocalSchema.LAYOUT);
    List<Map<String, Object>> log = fixture.log();
    assertThat(log).extracting(row -> row.get("op")).containsExactly("I");
    assertThat(fixture.pendingValue("households", H1, "head_name")).isEqualTo("Ada");
  }
}
