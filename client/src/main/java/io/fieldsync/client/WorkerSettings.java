package io.fieldsync.client;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link SyncWorker}, made by {@link FieldSyncClient.Builder}.
 *
 * @param debounce the quiet time after a sync before a local write syncs again (a write later than
 *     that syncs at once; writes within it wait for its end and go together)
 * @param writePoll how often the worker looks for commits of other connections and processes
 *     ({@code PRAGMA data_version}; commits through the library's connections wake it at once)
 * @param interval a sync this long after the last one even with no write and no poke (catches
 *     server changes when no live channel is up)
 * @param minBackoff the first retry delay after a failure
 * @param maxBackoff the longest retry delay; retries double up to it, with jitter
 * @param stuckAfter no success for this long while the server answers is reported as stuck
 * @param live whether to hold the live channel ({@code GET /v1/live}) while online
 * @param livePing how often to ping the live channel
 * @param clock the time the worker reports and schedules by
 * @param seed the seed of the backoff jitter
 */
record WorkerSettings(
    Duration debounce,
    Duration writePoll,
    Duration interval,
    Duration minBackoff,
    Duration maxBackoff,
    Duration stuckAfter,
    boolean live,
    Duration livePing,
    Clock clock,
    long seed) {

  WorkerSettings {
    positive(debounce, "debounce");
    positive(writePoll, "writePoll");
    positive(interval, "interval");
    positive(minBackoff, "minBackoff");
    positive(maxBackoff, "maxBackoff");
    positive(stuckAfter, "stuckAfter");
    positive(livePing, "livePing");
    Objects.requireNonNull(clock, "clock");
    if (maxBackoff.compareTo(minBackoff) < 0) {
      throw new IllegalArgumentException(
          "maxBackoff " + maxBackoff + " is below minBackoff " + minBackoff);
    }
  }

  private static void positive(Duration value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, found " + value);
    }
  }
}
