package io.fieldsync.store;

/**
 * What the server last saw of one device, for the admin console.
 *
 * @param user the user of the device's last token ({@code sub}), or null
 * @param lastSeenMillis wall time of its last request, or 0 when it only appears in older records
 * @param lastResult one line on its last push or pull ("push: 500 applied"), or null
 * @param cursor the sequence its last pull brought it to, or -1 when unknown
 * @param pending the changes its last pull said were waiting to be pushed, or -1 when unknown
 * @param liveSeenMillis when a node last saw its live channel open, or 0
 */
public record DeviceActivity(
    String tenant,
    String device,
    String user,
    long lastSeenMillis,
    String lastResult,
    long cursor,
    long pending,
    long liveSeenMillis) {}
