package io.fieldsync.server.uplink;

import java.time.Duration;
import java.util.Objects;

/**
 * How an {@link Uplink} runs.
 *
 * @param upstream the upstream server as logs and {@code /v1/health} name it (its base URL)
 * @param poll how long the uplink waits for a wake-up (a local commit, a poke on the upstream's
 *     live channel) before it syncs anyway
 * @param minRetry the first delay after a failure
 * @param maxRetry the longest delay between attempts while the upstream is unreachable or refuses
 * @param seed the seed of the retry delays' jitter
 * @param pageSize the records asked of the upstream per pull page, also per page of a resync
 */
public record UplinkSettings(
    String upstream, Duration poll, Duration minRetry, Duration maxRetry, long seed, int pageSize) {
  public static final Duration DEFAULT_POLL = Duration.ofSeconds(30);
  public static final Duration DEFAULT_MIN_RETRY = Duration.ofSeconds(1);
  public static final Duration DEFAULT_MAX_RETRY = Duration.ofMinutes(1);
  public static final int DEFAULT_PAGE_SIZE = 1000;

  public UplinkSettings {
    Objects.requireNonNull(upstream, "upstream");
    requirePositive("poll", poll);
    requirePositive("minRetry", minRetry);
    requirePositive("maxRetry", maxRetry);
    if (maxRetry.compareTo(minRetry) < 0) {
      throw new IllegalArgumentException(
          "maxRetry " + maxRetry + " is shorter than minRetry " + minRetry);
    }
    if (pageSize < 1) {
      throw new IllegalArgumentException("pageSize must be at least 1, was " + pageSize);
    }
  }

  /** The defaults: a poll every 30 s, retries from 1 s to 1 min, pages of 1000 records. */
  public static UplinkSettings of(String upstream, long seed) {
    return new UplinkSettings(
        upstream, DEFAULT_POLL, DEFAULT_MIN_RETRY, DEFAULT_MAX_RETRY, seed, DEFAULT_PAGE_SIZE);
  }

  public UplinkSettings withRetries(Duration min, Duration max) {
    return new UplinkSettings(upstream, poll, min, max, seed, pageSize);
  }

  public UplinkSettings withPoll(Duration every) {
    return new UplinkSettings(upstream, every, minRetry, maxRetry, seed, pageSize);
  }

  public UplinkSettings withPageSize(int records) {
    return new UplinkSettings(upstream, poll, minRetry, maxRetry, seed, records);
  }

  private static void requirePositive(String name, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, was " + value);
    }
  }
}
