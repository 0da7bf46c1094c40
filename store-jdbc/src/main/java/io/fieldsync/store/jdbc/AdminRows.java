package io.fieldsync.store.jdbc;

import io.fieldsync.StorageException;
import io.fieldsync.store.DeviceActivity;
import io.fieldsync.store.JournalEntry;
import io.fieldsync.store.TrafficMinute;
import io.fieldsync.wire.SentFields;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * The admin console's rows: device activity ({@code _fs_device_activity}), traffic per minute
 * ({@code _fs_traffic}) and reads of the journal. Thread-safe.
 */
final class AdminRows {
  /** Traffic older than this many minutes is dropped when activity is saved. */
  static final long TRAFFIC_KEPT_MINUTES = 24 * 60;

  private static final String JOURNAL_COLUMNS =
      "seq, tbl, rid, op, fields, hlc, device, batch_id, outcome, reason, sent_fields";

  private final JdbcTransactions transactions;

  AdminRows(JdbcTransactions transactions) {
    this.transactions = transactions;
  }

  void saveActivity(List<DeviceActivity> devices, List<TrafficMinute> minutes) {
    if (devices.isEmpty() && minutes.isEmpty()) {
      return;
    }
    transactions.writeAlone(
        "recording device activity",
        connection -> {
          seen(connection, devices);
          live(connection, devices);
          traffic(connection, minutes);
          return null;
        });
  }

  private static void seen(Connection connection, List<DeviceActivity> devices)
      throws SQLException {
    try (PreparedStatement upsert =
        connection.prepareStatement(
            "INSERT INTO _fs_device_activity (tenant, device, user_id, last_seen, last_result,"
                + " cursor_seq, pending, live_seen) VALUES (?, ?, ?, ?, ?, ?, ?, 0)"
                + " ON CONFLICT (tenant, device) DO UPDATE SET user_id = excluded.user_id,"
                + " last_seen = excluded.last_seen,"
                + " last_result = coalesce(excluded.last_result, _fs_device_activity.last_result),"
                + " cursor_seq = CASE WHEN excluded.cursor_seq >= 0 THEN excluded.cursor_seq"
                + " ELSE _fs_device_activity.cursor_seq END,"
                + " pending = CASE WHEN excluded.pending >= 0 THEN excluded.pending"
                + " ELSE _fs_device_activity.pending END"
                + " WHERE _fs_device_activity.last_seen <= excluded.last_seen")) {
      for (DeviceActivity device : devices) {
        if (device.lastSeenMillis() <= 0) {
          continue;
        }
        upsert.setString(1, device.tenant());
        upsert.setString(2, device.device());
        upsert.setString(3, device.user());
        upsert.setLong(4, device.lastSeenMillis());
        upsert.setString(5, device.lastResult());
        upsert.setLong(6, device.cursor());
        upsert.setLong(7, device.pending());
        upsert.addBatch();
      }
      upsert.executeBatch();
    }
  }

  private static void live(Connection connection, List<DeviceActivity> devices)
      throws SQLException {
    try (PreparedStatement upsert =
        connection.prepareStatement(
            "INSERT INTO _fs_device_activity (tenant, device, user_id, last_seen, cursor_seq,"
                + " pending, live_seen) VALUES (?, ?, ?, ?, -1, -1, ?)"
                + " ON CONFLICT (tenant, device) DO UPDATE SET live_seen = excluded.live_seen"
                + " WHERE _fs_device_activity.live_seen < excluded.live_seen")) {
      for (DeviceActivity device : devices) {
        if (device.liveSeenMillis() <= 0) {
          continue;
        }
        upsert.setString(1, device.tenant());
        upsert.setString(2, device.device());
        upsert.setString(3, device.user());
        upsert.setLong(4, device.liveSeenMillis());
        upsert.setLong(5, device.liveSeenMillis());
        upsert.addBatch();
      }
      upsert.executeBatch();
    }
  }

  private static void traffic(Connection connection, List<TrafficMinute> minutes)
      throws SQLException {
    long newest = Long.MIN_VALUE;
    try (PreparedStatement add =
        connection.prepareStatement(
            "INSERT INTO _fs_traffic (tenant, minute, kind, amount) VALUES (?, ?, ?, ?)"
                + " ON CONFLICT (tenant, minute, kind) DO UPDATE SET amount ="
                + " _fs_traffic.amount + excluded.amount")) {
      for (TrafficMinute minute : minutes) {
        add.setString(1, minute.tenant());
        add.setLong(2, minute.minute());
        add.setString(3, minute.kind());
        add.setLong(4, minute.count());
        add.addBatch();
        newest = Math.max(newest, minute.minute());
      }
      add.executeBatch();
    }
    if (newest != Long.MIN_VALUE) {
      new Queries(connection)
          .update("DELETE FROM _fs_traffic WHERE minute < ?", newest - TRAFFIC_KEPT_MINUTES);
    }
  }

  List<DeviceActivity> devices(String tenant) {
    return transactions.read(
        "reading the devices of tenant '" + tenant + "'",
        connection ->
            new Queries(connection)
                .queryList(
                    "SELECT d.device, a.user_id, a.last_seen, a.last_result, a.cursor_seq,"
                        + " a.pending, a.live_seen FROM (SELECT device FROM _fs_device_activity"
                        + " WHERE tenant = ? UNION SELECT device FROM _fs_devices WHERE tenant = ?"
                        + " UNION SELECT device FROM _fs_revoked WHERE tenant = ?) d"
                        + " LEFT JOIN _fs_device_activity a ON a.tenant = ? AND a.device = d.device"
                        + " ORDER BY d.device",
                    row ->
                        new DeviceActivity(
                            tenant,
                            row.getString(1),
                            row.getString(2),
                            row.getLong(3),
                            row.getString(4),
                            orUnknown(row, 5),
                            orUnknown(row, 6),
                            row.getLong(7)),
                    tenant,
                    tenant,
                    tenant,
                    tenant));
  }

  private static long orUnknown(ResultSet row, int column) throws SQLException {
    long value = row.getLong(column);
    return row.wasNull() ? -1 : value;
  }

  List<JournalEntry> recordHistory(String tenant, String table, String recordId, int limit) {
    return transactions.read(
        "reading the history of " + table + "/" + recordId,
        connection ->
            new Queries(connection)
                .queryList(
                    "SELECT "
                        + JOURNAL_COLUMNS
                        + " FROM _fs_journal WHERE tenant = ? AND tbl = ? AND rid = ?"
                        + " ORDER BY id LIMIT ?",
                    AdminRows::entry,
                    tenant,
                    table,
                    recordId,
                    limit));
  }

  List<JournalEntry> recentDecisions(String tenant, int limit) {
    return transactions.read(
        "reading the latest decisions of tenant '" + tenant + "'",
        connection ->
            new Queries(connection)
                .queryList(
                    "SELECT "
                        + JOURNAL_COLUMNS
                        + " FROM _fs_journal WHERE tenant = ? AND outcome <> 'applied'"
                        + " ORDER BY id DESC LIMIT ?",
                    AdminRows::entry,
                    tenant,
                    limit));
  }

  List<TrafficMinute> traffic(String tenant, long sinceMinute) {
    return transactions.read(
        "reading the traffic of tenant '" + tenant + "'",
        connection ->
            new Queries(connection)
                .queryList(
                    "SELECT minute, kind, amount FROM _fs_traffic WHERE tenant = ? AND minute >= ?"
                        + " ORDER BY minute, kind",
                    row ->
                        new TrafficMinute(tenant, row.getLong(1), row.getString(2), row.getLong(3)),
                    tenant,
                    sinceMinute));
  }

  /** A journal row; its sent fields are kept as JSON text or encoded ({@link SentFields}). */
  private static JournalEntry entry(ResultSet row) throws SQLException {
    String fields = row.getString(5);
    if (fields == null) {
      byte[] sentFields = row.getBytes(11);
      try {
        fields = SentFields.json(sentFields);
      } catch (IllegalArgumentException e) {
        throw new StorageException(
            "the journal row of "
                + row.getString(2)
                + "/"
                + row.getString(3)
                + " at sequence "
                + row.getLong(1)
                + " holds unreadable sent fields: "
                + e.getMessage(),
            e);
      }
    }
    return new JournalEntry(
        row.getLong(1),
        row.getString(2),
        row.getString(3),
        row.getString(4),
        fields,
        row.getLong(6),
        row.getString(7),
        row.getString(8),
        row.getString(9),
        row.getString(10));
  }
}
