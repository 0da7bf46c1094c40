package io.fieldsync.client;

import java.time.Duration;
import java.util.SplittableRandom;

/**
 * The worker's retry delays: exponential from {@code min} to {@code max} with "equal jitter" from a
 * seeded generator, {@code d = min(max, min·2^(n-1))}, wait {@code d/2 + uniform(0, d/2)}. Not
 * thread-safe: the worker thread alone draws delays. Public for the server's uplink, which retries
 * its upstream the same way.
 */
public final class Backoff {
  private final Duration min;
  private final Duration max;
  private final SplittableRandom random;

  /**
   * @param min the first delay
   * @param max the longest delay
   * @param seed the jitter generator's seed
   */
  public Backoff(Duration min, Duration max, long seed) {
    this.min = min;
    this.max = max;
    this.random = new SplittableRandom(seed);
  }

  /** The delay before attempt {@code attempt} (1 for the first retry). */
  public Duration delay(int attempt) {
    long min = this.min.toMillis();
    long max = this.max.toMillis();
    long delay = min;
    for (int i = 1; i < attempt && delay < max; i++) {
      delay *= 2;
    }
    delay = Math.min(delay, max);
    long half = delay / 2;
    return Duration.ofMillis(half + random.nextLong(delay - half + 1));
  }
}
