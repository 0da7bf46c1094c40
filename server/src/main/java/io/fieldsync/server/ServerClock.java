package io.fieldsync.server;

import io.fieldsync.clock.Hlc;
import io.fieldsync.clock.HybridClock;
import java.util.function.LongSupplier;

/**
 * The server's hybrid logical clock with a skew guard. A device whose wall clock runs far ahead
 * would otherwise win every {@code lww} conflict until real time caught up; so a received stamp
 * whose wall part is more than the tolerance ahead of the server's wall clock is capped to (server
 * wall + tolerance) before it is used or merged, and counted. Thread-safe.
 */
public final class ServerClock {
  private final HybridClock clock;
  private final LongSupplier wallClock;
  private final long toleranceMillis;

  ServerClock(LongSupplier wallClock, long toleranceMillis) {
    this.clock = new HybridClock(wallClock);
    this.wallClock = wallClock;
    this.toleranceMillis = toleranceMillis;
  }

  /** Counts the stamps one request had capped. Not thread-safe; one per request. */
  public static final class Guard {
    private final ServerClock owner;
    private final long limitMillis;
    private int capped;
    private long maxAheadMillis;

    /** Whether this is a sibling: it merges its stamps into the clock when absorbed, not before. */
    private final boolean sibling;

    /** A sibling's largest admitted stamp. */
    private long latestAdmitted;

    private Guard(ServerClock owner, long limitMillis, boolean sibling) {
      this.owner = owner;
      this.limitMillis = limitMillis;
      this.sibling = sibling;
    }

    /**
     * A guard with this one's limit for part of the same request checked on another thread; it
     * merges its stamps into the server clock only when {@link #absorb absorbed}.
     */
    public Guard sibling() {
      return new Guard(owner, limitMillis, true);
    }

    /** Takes in a sibling's counts and merges its stamps into the server clock. */
    public void absorb(Guard other) {
      if (!other.sibling || other.owner != owner || other.limitMillis != limitMillis) {
        throw new IllegalArgumentException("absorbing a guard that is not a sibling of this one");
      }
      capped += other.capped;
      maxAheadMillis = Math.max(maxAheadMillis, other.maxAheadMillis);
      owner.clock.observe(other.latestAdmitted);
    }

    /** The stamp to use for {@code hlc}: itself, or capped; merged into the server clock. */
    public long admit(long hlc) {
      if (hlc == 0) {
        return 0;
      }
      long wall = Hlc.wallMillis(hlc);
      long admitted = hlc;
      if (hlc < 0 || wall > limitMillis) {
        capped++;
        maxAheadMillis = Math.max(maxAheadMillis, wall - (limitMillis - owner.toleranceMillis));
        admitted = Hlc.of(Math.max(0, limitMillis), hlc < 0 ? 0 : Hlc.counter(hlc));
      }
      if (sibling) {
        latestAdmitted = Math.max(latestAdmitted, admitted);
      } else {
        owner.clock.observe(admitted);
      }
      return admitted;
    }

    public int capped() {
      return capped;
    }

    public long maxAheadMillis() {
      return maxAheadMillis;
    }
  }

  public Guard guard() {
    return new Guard(this, wallClock.getAsLong() + toleranceMillis, false);
  }

  public long now() {
    return clock.now();
  }

  public long wallMillis() {
    return wallClock.getAsLong();
  }
}
