package io.fieldsync.client.internal.outbox;

import com.google.protobuf.InvalidProtocolBufferException;
import io.fieldsync.client.ConflictExplanation;
import io.fieldsync.client.RejectedChange;
import io.fieldsync.client.internal.state.Jdbc;
import io.fieldsync.wire.Change;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

/** Changes the server refused, kept in {@code _fs_rejected} until they are discarded or retried. */
public final class RejectedLog {
  private static final String COLUMNS = "id, tbl, rid, op, vals, reason, batch_id, at, explained";

  private final Jdbc jdbc;

  public RejectedLog(Connection connection) {
    this.jdbc = new Jdbc(connection);
  }

  /** Keeps a refused change; returns it as the application sees it. */
  RejectedChange add(
      String batchId,
      Change change,
      String reason,
      List<ConflictExplanation> explanations,
      Instant now)
      throws SQLException {
    String op =
        switch (change.getOp()) {
          case OP_INSERT -> "INSERT";
          case OP_DELETE -> "DELETE";
          default -> "UPDATE";
        };
    String values = ChangeFields.json(change);
    String why = reason.isEmpty() ? "rejected by the server (no reason given)" : reason;
    jdbc.update(
        "INSERT INTO _fs_rejected (tbl, rid, op, vals, reason, batch_id, at, change, explained)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        change.getTable(),
        change.getRecordId(),
        op,
        values,
        why,
        batchId,
        now.toEpochMilli(),
        change.toByteArray(),
        ConflictReports.toJson(explanations));
    return new RejectedChange(
        jdbc.lastInsertId(),
        change.getTable(),
        change.getRecordId(),
        op,
        values,
        why,
        batchId,
        now,
        explanations);
  }

  /** Every refused change, oldest first. */
  public List<RejectedChange> list() throws SQLException {
    return jdbc.list("SELECT " + COLUMNS + " FROM _fs_rejected ORDER BY id", RejectedLog::read);
  }

  /** One refused change, or null. */
  public RejectedChange find(long id) throws SQLException {
    return jdbc.first(
        "SELECT " + COLUMNS + " FROM _fs_rejected WHERE id = ?", RejectedLog::read, id);
  }

  /**
   * The change as it was pushed, or null for an entry kept by a library that did not store it.
   *
   * @throws SQLException when the stored bytes are not a change
   */
  public Change pushed(long id) throws SQLException {
    byte[] bytes =
        jdbc.first("SELECT change FROM _fs_rejected WHERE id = ?", rows -> rows.getBytes(1), id);
    if (bytes == null) {
      return null;
    }
    try {
      return Change.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new SQLException("_fs_rejected row " + id + " holds no readable change", e);
    }
  }

  /** Removes an entry; returns whether there was one. */
  public boolean remove(long id) throws SQLException {
    return jdbc.update("DELETE FROM _fs_rejected WHERE id = ?", id) > 0;
  }

  private static RejectedChange read(java.sql.ResultSet rows) throws SQLException {
    List<ConflictExplanation> explained = ConflictReports.fromJson(rows.getString(9));
    return new RejectedChange(
        rows.getLong(1),
        rows.getString(2),
        rows.getString(3),
        rows.getString(4),
        rows.getString(5),
        rows.getString(6),
        rows.getString(7),
        Instant.ofEpochMilli(rows.getLong(8)),
        explained);
  }
}
