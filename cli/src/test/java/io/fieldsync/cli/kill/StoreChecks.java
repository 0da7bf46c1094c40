package io.fieldsync.cli.kill;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.testkit.ServerDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a killed server must leave in its store, read over plain JDBC in one transaction (so nodes
 * still running on PostgreSQL cannot commit between two reads): a SQLite file that passes {@code
 * PRAGMA integrity_check}, a sequence without gaps, and every batch a device had an answer for.
 */
final class StoreChecks {
  private final ServerDatabase database;
  private final String tenant;

  StoreChecks(ServerDatabase database, String tenant) {
    this.database = database;
    this.tenant = tenant;
  }

  /**
   * Checks the store.
   *
   * @param answered per device, the batch ids its pushes had answers for
   */
  void check(Map<String, Set<String>> answered, String when) throws SQLException {
    try (Connection connection = database.connect()) {
      if (database.file().isPresent()) {
        assertIntegrity(connection, "the store " + when);
      } else {
        connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      }
      connection.setAutoCommit(false);
      assertGapless(connection, when);
      for (Map.Entry<String, Set<String>> device : answered.entrySet()) {
        assertThat(batches(connection, device.getKey()))
            .as(
                "the batches of %s in the store %s (every one it had an answer for)",
                device.getKey(), when)
            .containsAll(device.getValue());
      }
      connection.rollback();
    }
  }

  /** {@code PRAGMA integrity_check} of a SQLite database finds nothing wrong. */
  static void assertIntegrity(Connection sqlite, String what) throws SQLException {
    try (Statement statement = sqlite.createStatement();
        ResultSet result = statement.executeQuery("PRAGMA integrity_check")) {
      List<String> problems = new ArrayList<>();
      while (result.next()) {
        problems.add(result.getString(1));
      }
      assertThat(problems).as("integrity_check of %s", what).containsExactly("ok");
    }
  }

  private void assertGapless(Connection connection, String when) throws SQLException {
    long sequence = 0;
    try (PreparedStatement select =
        connection.prepareStatement("SELECT value FROM _fs_sequence WHERE tenant = ?")) {
      select.setString(1, tenant);
      try (ResultSet row = select.executeQuery()) {
        if (row.next()) {
          sequence = row.getLong(1);
        }
      }
    }
    List<Long> skips = new ArrayList<>();
    long expected = 1;
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT DISTINCT seq FROM _fs_journal WHERE tenant = ? AND seq > 0 ORDER BY seq")) {
      select.setString(1, tenant);
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          long seq = rows.getLong(1);
          if (seq != expected) {
            skips.add(expected);
          }
          expected = seq + 1;
        }
      }
    }
    assertThat(skips)
        .as("the first missing sequence of each gap in the journal %s", when)
        .isEmpty();
    assertThat(expected - 1)
        .as("the journal's last sequence %s, against the tenant's sequence", when)
        .isEqualTo(sequence);
  }

  private Set<String> batches(Connection connection, String device) throws SQLException {
    Set<String> ids = new TreeSet<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT batch_id FROM _fs_batches WHERE tenant = ? AND device = ?")) {
      select.setString(1, tenant);
      select.setString(2, device);
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          ids.add(rows.getString(1));
        }
      }
    }
    return ids;
  }
}
