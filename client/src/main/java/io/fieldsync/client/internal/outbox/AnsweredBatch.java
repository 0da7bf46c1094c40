package io.fieldsync.client.internal.outbox;

import com.google.protobuf.InvalidProtocolBufferException;
import io.fieldsync.ProtocolException;
import io.fieldsync.StorageException;
import io.fieldsync.client.internal.state.Jdbc;
import io.fieldsync.client.transport.EncodedPush;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * A push batch the server answered and the device has not acknowledged yet, kept in {@code
 * _fs_answered}. It is stored in the transaction that stores the next batch as inflight, so the
 * next batch can go out while this one is acknowledged; a push that stopped in between acknowledges
 * it from here before anything else.
 *
 * @param maxLogId the last log row the batch covers
 * @param stillLogged whether that row is still in the log, with the stamp it had when the answer
 *     was kept: an answer whose rows something else removed must not be acknowledged, since log ids
 *     start again once the log is empty and its acknowledgement would remove newer rows
 * @param request the batch's body as sent
 * @param response the server's answer, protobuf
 */
record AnsweredBatch(long maxLogId, boolean stillLogged, byte[] request, byte[] response) {

  /** The answered batch waiting for its acknowledgement, or null. */
  static AnsweredBatch read(Connection connection) throws SQLException {
    return new Jdbc(connection)
        .first(
            "SELECT a.max_log_id, l.hlc IS NOT NULL AND l.hlc = a.max_log_hlc, a.request,"
                + " a.response FROM _fs_answered a LEFT JOIN _fs_changelog l ON l.id = a.max_log_id",
            row ->
                new AnsweredBatch(
                    row.getLong(1), row.getBoolean(2), row.getBytes(3), row.getBytes(4)));
  }

  static void store(Connection connection, EncodedPush push, long maxLogId, PushResponse response)
      throws SQLException {
    int stored =
        new Jdbc(connection)
            .update(
                "INSERT INTO _fs_answered (id, max_log_id, max_log_hlc, request, response)"
                    + " SELECT 1, id, hlc, ?, ? FROM _fs_changelog WHERE id = ?",
                push.body(),
                response.toByteArray(),
                maxLogId);
    if (stored != 1) {
      throw new StorageException(
          "cannot keep the answer of the batch up to log row "
              + maxLogId
              + ": that row is no longer in the log");
    }
  }

  static void clear(Connection connection) throws SQLException {
    new Jdbc(connection).update("DELETE FROM _fs_answered");
  }

  /** The request as sent. */
  PushRequest pushRequest() {
    try {
      return EncodedPush.decode(request).request();
    } catch (ProtocolException e) {
      throw corrupt(e);
    }
  }

  /** The server's answer. */
  PushResponse pushResponse() {
    try {
      return PushResponse.parseFrom(response);
    } catch (InvalidProtocolBufferException e) {
      throw corrupt(e);
    }
  }

  private StorageException corrupt(Exception cause) {
    return new StorageException(
        "answered batch up to log row " + maxLogId + " in _fs_answered is corrupt", cause);
  }
}
