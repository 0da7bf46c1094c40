package io.fieldsync.server.push;

import io.fieldsync.store.JournalEntry;
import io.fieldsync.store.WriteTransaction;
import io.fieldsync.wire.Change;

/**
 * Writes a batch's journal: every pushed change with its outcome, and every record the batch
 * changed on its own (a parent restored, a child deleted with its parent).
 */
final class BatchJournal {
  private final WriteTransaction transaction;
  private final String device;
  private final String batchId;

  BatchJournal(WriteTransaction transaction, String device, String batchId) {
    this.transaction = transaction;
    this.device = device;
    this.batchId = batchId;
  }

  /** A pushed change, as sent, with how it was decided. */
  void change(PreparedChange change, Decision decision) {
    transaction.journal(
        new JournalEntry(
            decision.seq(),
            change.table == null ? change.change.getTable() : change.table.name(),
            change.id == null ? change.change.getRecordId() : change.id,
            opName(change.change),
            null,
            change.hlc,
            device,
            batchId,
            decision.journalOutcome(),
            decision.reason()),
        change.sentFields);
  }

  /** A deleted parent brought back for a child written under {@code restore_parent}. */
  void restored(WorkingRecord parent, long hlc) {
    transaction.journal(
        new JournalEntry(
            parent.newSeq,
            parent.table.name(),
            parent.id,
            "restore",
            null,
            hlc,
            device,
            batchId,
            "restored"));
  }

  /** A live child deleted with its parent under {@code cascade}. */
  void cascaded(WorkingRecord child, long hlc) {
    transaction.journal(
        new JournalEntry(
            child.newSeq,
            child.table.name(),
            child.id,
            "delete",
            null,
            hlc,
            device,
            batchId,
            "cascaded"));
  }

  private static String opName(Change change) {
    return switch (change.getOp()) {
      case OP_INSERT -> "insert";
      case OP_UPDATE -> "update";
      case OP_DELETE -> "delete";
      default -> "unknown(" + change.getOpValue() + ")";
    };
  }
}
