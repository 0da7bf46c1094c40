package io.fieldsync.client.internal.outbox;

import com.google.protobuf.InvalidProtocolBufferException;
import io.fieldsync.StorageException;
import io.fieldsync.client.internal.state.Jdbc;
import io.fieldsync.wire.PushRequest;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * The push batch sent and not yet acknowledged, kept in {@code _fs_inflight} before it is sent: if
 * the response is lost, the next attempt resends its request byte for byte.
 *
 * @param maxLogId the last log row the batch covers
 */
record InflightBatch(String batchId, long maxLogId, byte[] request) {

  /** The batch in flight, or null. */
  static InflightBatch read(Connection connection) throws SQLException {
    return new Jdbc(connection)
        .first(
            "SELECT batch_id, max_log_id, request FROM _fs_inflight",
            row -> new InflightBatch(row.getString(1), row.getLong(2), row.getBytes(3)));
  }

  static void store(Connection connection, PushRequest request, long maxLogId, long createdAt)
      throws SQLException {
    new Jdbc(connection)
        .update(
            "INSERT INTO _fs_inflight (id, batch_id, max_log_id, request, created_at)"
                + " VALUES (1, ?, ?, ?, ?)",
            request.getBatchId(),
            maxLogId,
            request.toByteArray(),
            createdAt);
  }

  static void clear(Connection connection) throws SQLException {
    new Jdbc(connection).update("DELETE FROM _fs_inflight");
  }

  PushRequest parse() {
    try {
      return PushRequest.parseFrom(request);
    } catch (InvalidProtocolBufferException e) {
      throw new StorageException("inflight batch " + batchId + " in _fs_inflight is corrupt", e);
    }
  }
}
