package io.fieldsync.server.push;

import io.fieldsync.ProtocolException;
import io.fieldsync.schema.Schema;
import io.fieldsync.server.SchemaVersionCheck;
import io.fieldsync.wire.PushRequest;

/** The checks of a whole push, before any work: each names the field and the value. */
final class PushChecks {
  static final int MAX_BATCH_ID_LENGTH = 200;

  private final Schema schema;
  private final int maxBatchChanges;

  PushChecks(Schema schema, int maxBatchChanges) {
    this.schema = schema;
    this.maxBatchChanges = maxBatchChanges;
  }

  /**
   * @throws ProtocolException when the push cannot be taken as a batch
   */
  void check(PushRequest push) {
    SchemaVersionCheck.require(schema, "push", push.getSchemaVersion());
    if (push.getChangesCount() > maxBatchChanges) {
      throw new ProtocolException(
          "push carries "
              + push.getChangesCount()
              + " changes, more than the server's limit of "
              + maxBatchChanges
              + " per batch; split it into smaller batches");
    }
    String batchId = push.getBatchId();
    if (batchId.isBlank()) {
      throw new ProtocolException(
          "push needs a batch_id: any text unique per device batch, reused on retry");
    }
    if (batchId.length() > MAX_BATCH_ID_LENGTH) {
      throw new ProtocolException(
          "batch_id is "
              + batchId.length()
              + " characters; at most "
              + MAX_BATCH_ID_LENGTH
              + " are allowed");
    }
  }
}
