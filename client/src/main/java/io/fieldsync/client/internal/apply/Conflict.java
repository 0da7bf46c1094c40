package io.fieldsync.client.internal.apply;

/** A field where a server change met a pending local edit. */
public record Conflict(String table, String recordId, String column) {}
