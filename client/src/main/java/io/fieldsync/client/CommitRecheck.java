package io.fieldsync.client;

import java.time.Duration;

/**
 * When to look again for a commit announced by a commit hook. The hook fires before the commit is
 * visible to other connections, and on a busy machine the committing thread may take a while to
 * finish it, so the looks come every millisecond at first, then every ten, until the commit shows
 * or {@link #WINDOW} has passed; after that only the regular poll remains. A commit that captured
 * nothing keeps the looks coming for the whole window: each is one cheap read. Not thread-safe.
 */
final class CommitRecheck {
  private static final Duration FAST_FOR = Duration.ofMillis(10);
  private static final Duration FAST_EVERY = Duration.ofMillis(1);
  private static final Duration SLOW_EVERY = Duration.ofMillis(10);
  private static final Duration WINDOW = Duration.ofSeconds(2);

  private long hookAt;
  private boolean armed;

  /** A commit hook fired at {@code nanos} ({@link System#nanoTime()}'s scale). */
  void hookFired(long nanos) {
    hookAt = nanos;
    armed = true;
  }

  /** The commit showed: no more looks beyond the regular poll. */
  void seen() {
    armed = false;
  }

  /** Nanoseconds to wait before the next look at {@code nanos}, given the regular poll's. */
  long nextLookWithin(long nanos, long pollNanos) {
    if (!armed) {
      return pollNanos;
    }
    long since = nanos - hookAt;
    if (since >= WINDOW.toNanos()) {
      armed = false;
      return pollNanos;
    }
    long every = since < FAST_FOR.toNanos() ? FAST_EVERY.toNanos() : SLOW_EVERY.toNanos();
    return Math.min(every, pollNanos);
  }
}
