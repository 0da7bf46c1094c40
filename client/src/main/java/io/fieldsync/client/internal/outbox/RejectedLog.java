package io.fieldsync.client.internal.outbox;

import io.fieldsync.client.RejectedChange;
import io.fieldsync.client.internal.state.Jdbc;
import io.fieldsync.wire.Change;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

/** Changes the server refused, kept in {@code _fs_rejected} until the application deletes them. */
public final class RejectedLog {
  private final Jdbc jdbc;

  public RejectedLog(Connection connection) {
    this.jdbc = new Jdbc(connection);
  }

  /** Keeps a refused change; returns it as the application sees it. */
  RejectedChange add(String batchId, Change change, String reason, Instant now)
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
        "INSERT INTO _fs_rejected (tbl, rid, op, vals, reason, batch_id, at)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?)",
        change.getTable(),
        change.getRecordId(),
        op,
        values,
        why,
        batchId,
        now.toEpochMilli());
    return new RejectedChange(
        jdbc.lastInsertId(),
        change.getTable(),
        change.getRecordId(),
        op,
        values,
        why,
        batchId,
        now);
  }

  /** Every refused change, oldest first. */
  public List<RejectedChange> list() throws SQLException {
    return jdbc.list(
        "SELECT id, tbl, rid, op, vals, reason, batch_id, at FROM _fs_rejected ORDER BY id",
        rows ->
            new RejectedChange(
                rows.getLong(1),
                rows.getString(2),
                rows.getString(3),
                rows.getString(4),
                rows.getString(5),
                rows.getString(6),
                rows.getString(7),
                Instant.ofEpochMilli(rows.getLong(8))));
  }
}
