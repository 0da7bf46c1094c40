package io.fieldsync.store.jdbc;

import com.google.protobuf.InvalidProtocolBufferException;
import io.fieldsync.StorageException;
import io.fieldsync.store.ReviewItem;
import io.fieldsync.wire.Value;
import io.fieldsync.wire.Values;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Reads and writes rows of {@code _fs_review}; the two values of an item are stored as wire values.
 */
final class ReviewRows {
  static final String SELECT =
      "SELECT id, tbl, rid, col, server_value, device_value, base_seq, server_hlc, server_device,"
          + " device_hlc, device, reason, created_at, status, resolution FROM _fs_review";

  static final String INSERT =
      "INSERT INTO _fs_review (tenant, tbl, rid, col, server_value, device_value, base_seq,"
          + " server_hlc, server_device, device_hlc, device, reason, created_at, status)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open') RETURNING id";

  private ReviewRows() {}

  /** One row of {@link #SELECT}. */
  static ReviewItem read(ResultSet row) throws SQLException {
    return new ReviewItem(
        row.getLong(1),
        row.getString(2),
        row.getString(3),
        row.getString(4),
        decodeValue(row.getBytes(5)),
        decodeValue(row.getBytes(6)),
        row.getLong(7),
        row.getLong(8),
        row.getString(9),
        row.getLong(10),
        row.getString(11),
        row.getString(12),
        row.getLong(13),
        row.getString(14),
        row.getString(15));
  }

  static void bindInsert(PreparedStatement statement, String tenant, ReviewItem item)
      throws SQLException {
    statement.setString(1, tenant);
    statement.setString(2, item.table());
    statement.setString(3, item.recordId());
    statement.setString(4, item.column());
    statement.setBytes(5, encodeValue(item.serverValue()));
    statement.setBytes(6, encodeValue(item.deviceValue()));
    statement.setLong(7, item.baseSeq());
    statement.setLong(8, item.serverHlc());
    statement.setString(9, item.serverDevice());
    statement.setLong(10, item.deviceHlc());
    statement.setString(11, item.device());
    statement.setString(12, item.reason());
    statement.setLong(13, item.createdAtMillis());
  }

  private static byte[] encodeValue(Object value) {
    return Values.toWire(value).toByteArray();
  }

  private static Object decodeValue(byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    try {
      return Values.fromWire(Value.parseFrom(bytes));
    } catch (InvalidProtocolBufferException e) {
      throw new StorageException("corrupt review queue value: " + e.getMessage(), e);
    }
  }
}
