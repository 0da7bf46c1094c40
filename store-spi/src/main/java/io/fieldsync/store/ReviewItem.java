package io.fieldsync.store;

/**
 * A conflict parked for a person to decide. Parking one field never blocks other fields, records or
 * later syncs.
 *
 * @param id assigned by the store; 0 before parking
 * @param column the parked column, or null when a whole record is parked (a child whose parent was
 *     deleted)
 * @param serverValue the value the server kept
 * @param deviceValue the device's value (for a whole record: its fields as a JSON object)
 * @param baseSeq the server sequence the device's edit was based on
 * @param status {@code open} or {@code resolved}
 * @param resolution how it was resolved ({@code keep_server}, {@code take_device}, {@code set}), or
 *     null while open
 */
public record ReviewItem(
    long id,
    String table,
    String recordId,
    String column,
    Object serverValue,
    Object deviceValue,
    long baseSeq,
    long serverHlc,
    String serverDevice,
    long deviceHlc,
    String device,
    String reason,
    long createdAtMillis,
    String status,
    String resolution) {}
