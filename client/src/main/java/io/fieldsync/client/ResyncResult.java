package io.fieldsync.client;

/**
 * What a resync did.
 *
 * @param records records the snapshot delivered (over all its runs, when it was resumed)
 * @param pages snapshot pages pulled by this run
 * @param removed local rows deleted because the server no longer has them
 * @param cursor the server sequence the device is at afterwards
 */
public record ResyncResult(long records, long pages, long removed, long cursor) {}
