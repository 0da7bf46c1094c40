package io.fieldsync.store.jdbc;

import io.fieldsync.store.ReviewItem;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Reads and writes rows of {@code _fs_review}. */
final class ReviewRows {
  static final String SELECT =
      "SELECT id, tbl, rid, col, server_value, device_value, base_seq, server_hlc, server_device,"
          + " device_hlc, device, reason, created_at, status, resolution FROM _fs_review";

  static final String INSERT =
      "INSERT INTO _fs_review (tenant, tbl, rid, col, server_value, device_value, base_seq,"
          + " server_hlc, server_device, device_hlc, device, reason, created_at, status)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open') RETURNING id";

  private ReviewRows() {}

  static List<ReviewItem> readAll(PreparedStatement statement) throws SQLException {
    List<ReviewItem> items = new ArrayList<>();
    try (ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        items.add(
            new ReviewItem(
                rows.getLong(1),
                rows.getString(2),
                rows.getString(3),
                rows.getString(4),
                JdbcSyncStore.decodeValue(rows.getBytes(5)),
                JdbcSyncStore.decodeValue(rows.getBytes(6)),
                rows.getLong(7),
                rows.getLong(8),
                rows.getString(9),
                rows.getLong(10),
                rows.getString(11),
                rows.getString(12),
                rows.getLong(13),
                rows.getString(14),
                rows.getString(15)));
      }
    }
    return items;
  }

  static void bindInsert(PreparedStatement statement, String tenant, ReviewItem item)
      throws SQLException {
    statement.setString(1, tenant);
    statement.setString(2, item.table());
    statement.setString(3, item.recordId());
    statement.setString(4, item.column());
    statement.setBytes(5, JdbcSyncStore.encodeValue(item.serverValue()));
    statement.setBytes(6, JdbcSyncStore.encodeValue(item.deviceValue()));
    statement.setLong(7, item.baseSeq());
    statement.setLong(8, item.serverHlc());
    statement.setString(9, item.serverDevice());
    statement.setLong(10, item.deviceHlc());
    statement.setString(11, item.device());
    statement.setString(12, item.reason());
    statement.setLong(13, item.createdAtMillis());
  }
}
