package io.fieldsync.client.internal.outbox;

import com.google.protobuf.InvalidProtocolBufferException;
import io.fieldsync.ProtocolException;
import io.fieldsync.StorageException;
import io.fieldsync.client.internal.state.Jdbc;
import io.fieldsync.client.transport.EncodedPush;
import io.fieldsync.wire.PushRequest;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * The push batch sent and not yet acknowledged, kept in {@code _fs_inflight} before it is sent: if
 * the response is lost, the next attempt resends its body byte for byte.
 *
 * @param maxLogId the last log row the batch covers
 * @param request the body as sent (zstd); a row stored by an earlier version holds the request's
 *     protobuf instead, which begins with its batch id (field 1, byte 0x0A), never zstd's magic
 *     number
 */
record InflightBatch(String batchId, long maxLogId, byte[] request) {

  /** The batch in flight, or null. */
  static InflightBatch read(Connection connection) throws SQLException {
    return new Jdbc(connection)
        .first(
            "SELECT batch_id, max_log_id, request FROM _fs_inflight",
            row -> new InflightBatch(row.getString(1), row.getLong(2), row.getBytes(3)));
  }

  static void store(Connection connection, EncodedPush push, long maxLogId, long createdAt)
      throws SQLException {
    new Jdbc(connection)
        .update(
            "INSERT INTO _fs_inflight (id, batch_id, max_log_id, request, created_at)"
                + " VALUES (1, ?, ?, ?, ?)",
            push.request().getBatchId(),
            maxLogId,
            push.body(),
            createdAt);
  }

  static void clear(Connection connection) throws SQLException {
    new Jdbc(connection).update("DELETE FROM _fs_inflight");
  }

  /** The stored batch, to send again. */
  EncodedPush push() {
    try {
      if (zstd(request)) {
        return EncodedPush.decode(request);
      }
      return EncodedPush.encode(PushRequest.parseFrom(request));
    } catch (ProtocolException | InvalidProtocolBufferException e) {
      throw new StorageException("inflight batch " + batchId + " in _fs_inflight is corrupt", e);
    }
  }

  private static boolean zstd(byte[] bytes) {
    return bytes.length >= 4
        && (bytes[0] & 0xFF) == 0x28
        && (bytes[1] & 0xFF) == 0xB5
        && (bytes[2] & 0xFF) == 0x2F
        && (bytes[3] & 0xFF) == 0xFD;
  }
}
