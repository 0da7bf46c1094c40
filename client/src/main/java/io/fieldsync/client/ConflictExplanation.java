package io.fieldsync.client;

import java.util.Objects;

/**
 * What the server did with one field (or one whole record) of a change this device pushed, when it
 * did not take it as sent: the facts, and a sentence a field worker can read.
 *
 * <p>Values are JSON text as SQLite would show them: {@code "Amira"}, {@code 7}, {@code null}, and
 * for a whole record its fields as a JSON object.
 *
 * @param outcome merged (the server combined or replaced the value), parked (kept for a
 *     coordinator's review) or rejected (refused)
 * @param table the table
 * @param recordId the record's id
 * @param column the column, or null when the outcome is about the whole record (a delete, an edit
 *     of a record deleted elsewhere, a child whose parent was deleted)
 * @param strategy the rule that decided, as the schema names it: a column's conflict strategy
 *     ({@code lww}, {@code server_wins}, {@code sum}, {@code max}, {@code min}, {@code union},
 *     {@code manual}), for a whole record the table's {@code on_delete} rule ({@code delete_wins},
 *     {@code update_wins}) or {@code on_parent_delete} ({@code review}, {@code cascade}, {@code
 *     restore_parent}); null for a whole insert or update the server refused (no rule decided)
 * @param deviceValue what this device had written, as JSON (null for a delete)
 * @param winningValue what the server holds now, as JSON; JSON {@code null} for an empty field,
 *     null when the server has no such record
 * @param message one sentence for the person who made the change, e.g. "Your change to notes was
 *     kept for review because someone else also changed it; a coordinator will choose."
 */
public record ConflictExplanation(
    Outcome outcome,
    String table,
    String recordId,
    String column,
    String strategy,
    String deviceValue,
    String winningValue,
    String message) {

  /** What the server did with the change. */
  public enum Outcome {
    MERGED,
    PARKED,
    REJECTED
  }

  public ConflictExplanation {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(recordId, "recordId");
    Objects.requireNonNull(message, "message");
  }
}
