package io.fieldsync.server.push;

import com.google.protobuf.InvalidProtocolBufferException;
import io.fieldsync.ProtocolException;
import io.fieldsync.ResyncRequiredException;
import io.fieldsync.StorageException;
import io.fieldsync.server.TokenClaims;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.WriteTransaction;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import java.util.Optional;

/**
 * What the server remembers of each device's batches: the outcome of every committed batch id, so a
 * retried batch is answered with the recorded outcome instead of applied twice, and the highest
 * batch number of each device database, so a database older than its own history is caught.
 */
final class BatchLedger {
  private final SyncStore store;

  BatchLedger(SyncStore store) {
    this.store = store;
  }

  /** The recorded outcome of {@code batchId}, marked replayed, if it was committed. */
  Optional<PushResponse> recorded(TokenClaims token, String batchId) {
    return store
        .batchOutcome(token.tenant(), token.device(), batchId)
        .map(outcome -> replay(outcome, batchId));
  }

  /** The same, inside the batch's own write: two deliveries racing each other cannot both apply. */
  Optional<PushResponse> recorded(WriteTransaction transaction, String device, String batchId) {
    return transaction.batchOutcome(device, batchId).map(outcome -> replay(outcome, batchId));
  }

  /** Notes the push's batch number of the device database (0: the device does not count). */
  void noteDeviceBatch(WriteTransaction transaction, String device, PushRequest request) {
    if (request.getDeviceBatch() > 0) {
      transaction.recordDeviceBatch(device, request.getDeviceBatch());
    }
  }

  void record(WriteTransaction transaction, String device, PushResponse response) {
    transaction.recordBatch(device, response.getBatchId(), response.toByteArray());
  }

  /**
   * A device database counts its batches; one that sends a number the server has already committed
   * for the device is older than its own history (restored from a backup, or a copy), so what it
   * believes it has and has not pushed is stale: it must resync, pushing its outbox first.
   *
   * @throws ResyncRequiredException when the database is older than the device's history
   */
  void requireCurrentDatabase(TokenClaims token, PushRequest request) {
    long number = request.getDeviceBatch();
    if (number < 0) {
      throw new ProtocolException("device_batch must not be negative, found " + number);
    }
    if (number == 0) {
      return;
    }
    long last = store.lastDeviceBatch(token.tenant(), token.device());
    if (number <= last) {
      throw new ResyncRequiredException(
          "device '"
              + token.device()
              + "' sent batch number "
              + number
              + " but the server already committed its batch "
              + last
              + ": this database is older than the device's history (restored from a backup, or"
              + " a copy); resync it (its outbox is pushed first)",
          last);
    }
  }

  private static PushResponse replay(byte[] recorded, String batchId) {
    try {
      return PushResponse.parseFrom(recorded).toBuilder().setReplayed(true).build();
    } catch (InvalidProtocolBufferException e) {
      throw new StorageException(
          "the recorded outcome of batch '" + batchId + "' is corrupt: " + e.getMessage(), e);
    }
  }
}
