package io.fieldsync.server.uplink;

/**
 * What an {@link Uplink} last knew, as {@code /v1/health} shows it.
 *
 * @param state {@code starting} (no answer from the upstream yet), {@code connected} (the last sync
 *     with the upstream succeeded), {@code resyncing} (re-reading the tenant from the upstream,
 *     which answered {@code 410 resync_required}), {@code down} (the upstream cannot be reached;
 *     retrying) or {@code refused} (the upstream refuses the token, the schema or a batch; retrying
 *     slowly)
 * @param tenant the tenant the upstream token names, null before the first answer
 * @param cursor the last upstream sequence applied here
 * @param pushedThrough the local sequence through which this server's writes are acknowledged
 * @param unpushed local sequences above {@code pushedThrough} when last looked at
 * @param lastSyncMillis when a sync with the upstream last succeeded (epoch ms), 0 for never
 * @param lastError why the last attempt failed, null after a success
 * @param resyncRead while {@code resyncing}: the records read from upstream so far; else 0
 */
public record UplinkStatus(
    String state,
    String upstream,
    String tenant,
    long cursor,
    long pushedThrough,
    long unpushed,
    long lastSyncMillis,
    String lastError,
    long resyncRead) {

  /** This status while a resync has read {@code records}. */
  UplinkStatus resyncing(long records) {
    return new UplinkStatus(
        "resyncing",
        upstream,
        tenant,
        cursor,
        pushedThrough,
        unpushed,
        lastSyncMillis,
        null,
        records);
  }
}
