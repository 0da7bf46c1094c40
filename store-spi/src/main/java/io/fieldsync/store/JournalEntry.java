package io.fieldsync.store;

/**
 * One change as the server received and decided it.
 *
 * @param seq the sequence it committed at, or 0 when it changed nothing (a losing edit)
 * @param op insert, update or delete
 * @param fields the fields the device sent, as JSON
 * @param outcome applied, merged, kept (lost to the server's value), rejected or parked
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
    String outcome) {}
