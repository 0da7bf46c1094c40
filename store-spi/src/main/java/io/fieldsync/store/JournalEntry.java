package io.fieldsync.store;

/**
 * One change as the server received and decided it.
 *
 * @param seq the sequence it committed at, or 0 when it changed nothing (a losing edit)
 * @param op insert, update or delete
 * @param fields the fields the device sent, as JSON
 * @param outcome applied, merged, kept (lost to the server's value), rejected or parked
 * @param reason why, when the outcome is not a plain apply, or null
 */
public record JournalEntry(
    long seq,
    String table,
    String recordId,
    String op,
    String fields,
    long hlc,
    String device,
    String batchId,
    String outcome,
    String reason) {

  /** An entry without a reason (a plain apply, or one the outcome explains). */
  public JournalEntry(
      long seq,
      String table,
      String recordId,
      String op,
      String fields,
      long hlc,
      String device,
      String batchId,
      String outcome) {
    this(seq, table, recordId, op, fields, hlc, device, batchId, outcome, null);
  }

  /**
   * {@code entry} with {@code fields}, for an entry made without them.
   *
   * @throws IllegalArgumentException when the entry has fields of its own
   */
  public static JournalEntry withFields(JournalEntry entry, String fields) {
    entry.requireNoFields();
    return new JournalEntry(
        entry.seq(),
        entry.table(),
        entry.recordId(),
        entry.op(),
        fields,
        entry.hlc(),
        entry.device(),
        entry.batchId(),
        entry.outcome(),
        entry.reason());
  }

  /**
   * Refuses an entry with fields of its own where the sent fields come apart from it.
   *
   * @throws IllegalArgumentException when the entry has fields
   */
  public void requireNoFields() {
    if (fields != null) {
      throw new IllegalArgumentException(
          "the journal entry of "
              + table
              + "/"
              + recordId
              + " has fields of its own; give the sent fields either as JSON or encoded");
    }
  }
}
