package io.fieldsync.client;

import java.time.Instant;

/**
 * An edit of this device that the server parked in its review queue. The server kept its own value
 * (the local row shows it); the device's value waits here until the server's resolution arrives in
 * a pull, which removes the entry.
 *
 * @param id the row id in {@code _fs_parked}
 * @param column the parked column, or null when the whole record was parked (a child whose parent
 *     was deleted elsewhere, or a delete of a parent that still has children)
 * @param deviceValue the device's value as JSON: the column's value, or for a whole record its
 *     fields as a JSON object (null for a parked delete)
 * @param reason the server's reason, naming table, record and column
 * @param at when the device learned the edit was parked
 * @param explanation the facts (strategy, the device's value, the server's value now) and a
 *     sentence for the person who made the change
 */
public record ParkedEdit(
    long id,
    String table,
    String recordId,
    String column,
    String deviceValue,
    String reason,
    Instant at,
    ConflictExplanation explanation) {}
