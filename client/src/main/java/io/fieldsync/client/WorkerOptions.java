package io.fieldsync.client;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link SyncWorker}. Start from {@link #defaults()} and change what differs with the
 * {@code with…} methods.
 *
 * @param debounce how long after a local write the worker syncs (more writes within it wait with
 *     it, at most 5 × debounce in all)
 * @param writePoll how often the worker looks for local writes ({@code _fs_changelog}'s
 *     AUTOINCREMENT counter, one indexed read) from any connection
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
public record WorkerOptions(
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

  public WorkerOptions {
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

  /**
   * 200 ms debounce, 100 ms write poll, 60 s interval, backoff 500 ms to 60 s, stuck after 10
   * minutes, live channel on with a 30 s ping, system UTC clock, a random seed.
   */
  public static WorkerOptions defaults() {
    return new WorkerOptions(
        Duration.ofMillis(200),
        Duration.ofMillis(100),
        Duration.ofSeconds(60),
        Duration.ofMillis(500),
        Duration.ofSeconds(60),
        Duration.ofMinutes(10),
        true,
        Duration.ofSeconds(30),
        Clock.systemUTC(),
        new SecureRandom().nextLong());
  }

  public WorkerOptions withDebounce(Duration value) {
    return new WorkerOptions(
        value,
        writePoll,
        interval,
        minBackoff,
        maxBackoff,
        stuckAfter,
        live,
        livePing,
        clock,
        seed);
  }

  public WorkerOptions withWritePoll(Duration value) {
    return new WorkerOptions(
        debounce, value, interval, minBackoff, maxBackoff, stuckAfter, live, livePing, clock, seed);
  }

  public WorkerOptions withInterval(Duration value) {
    return new WorkerOptions(
        debounce,
        writePoll,
        value,
        minBackoff,
        maxBackoff,
        stuckAfter,
        live,
        livePing,
        clock,
        seed);
  }

  public WorkerOptions withBackoff(Duration min, Duration max) {
    return new WorkerOptions(
        debounce, writePoll, interval, min, max, stuckAfter, live, livePing, clock, seed);
  }

  public WorkerOptions withStuckAfter(Duration value) {
    return new WorkerOptions(
        debounce, writePoll, interval, minBackoff, maxBackoff, value, live, livePing, clock, seed);
  }

  public WorkerOptions withLive(boolean value) {
    return new WorkerOptions(
        debounce,
        writePoll,
        interval,
        minBackoff,
        maxBackoff,
        stuckAfter,
        value,
        livePing,
        clock,
        seed);
  }

  public WorkerOptions withClock(Clock value) {
    return new WorkerOptions(
        debounce,
        writePoll,
        interval,
        minBackoff,
        maxBackoff,
        stuckAfter,
        live,
        livePing,
        value,
        seed);
  }

  public WorkerOptions withSeed(long value) {
    return new WorkerOptions(
        debounce,
        writePoll,
        interval,
        minBackoff,
        maxBackoff,
        stuckAfter,
        live,
        livePing,
        clock,
        value);
  }
}
