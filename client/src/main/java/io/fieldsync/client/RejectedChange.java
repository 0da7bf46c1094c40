package io.fieldsync.client;

import java.time.Instant;
import java.util.List;

/**
 * A change the server refused. The local row was put back to the server's state; the refused values
 * are kept here so nothing is lost silently.
 *
 * @param id the row id in {@code _fs_rejected}
 * @param op {@code INSERT}, {@code UPDATE} or {@code DELETE}
 * @param values the refused fields as a JSON object (column to value)
 * @param reason the server's reason, naming the table, record, column and problem
 * @param batchId the push batch that carried the change
 * @param at when the device learned of the rejection
 * @param explanations what was refused, field by field (or for the whole record), with a sentence
 *     for the person who made the change; empty for a change refused before the library kept them
 */
public record RejectedChange(
    long id,
    String table,
    String recordId,
    String op,
    String values,
    String reason,
    String batchId,
    Instant at,
    List<ConflictExplanation> explanations) {

  public RejectedChange {
    explanations = List.copyOf(explanations);
  }
}
