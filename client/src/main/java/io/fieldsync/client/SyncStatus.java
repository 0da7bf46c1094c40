package io.fieldsync.client;

import java.time.Instant;

/**
 * A snapshot of a device's sync state.
 *
 * @param device the device id the server assigned
 * @param tenant the tenant the device belongs to
 * @param schemaVersion the version of the local schema
 * @param cursor the last server sequence applied locally
 * @param pending rows waiting in the outbox
 * @param rejected changes the server refused, kept in {@code _fs_rejected}
 * @param lastResult the last successful cycle of this client instance, or null
 * @param lastSyncAt when the last successful cycle ended (kept across restarts), or null
 * @param lastError the message of the last failed cycle of this instance since its last success, or
 *     null
 */
public record SyncStatus(
    String device,
    String tenant,
    int schemaVersion,
    long cursor,
    long pending,
    long rejected,
    SyncResult lastResult,
    Instant lastSyncAt,
    String lastError) {}
