package io.fieldsync.clock;

import java.util.function.LongSupplier;

/**
 * A hybrid logical clock. {@link #now()} returns a stamp greater than every stamp this clock has
 * made or {@link #observe observed}, and close to the wall clock when the wall clock is sane.
 *
 * <p>Merging every received stamp is what orders a device's later edits after everything it has
 * seen, whatever its wall clock says. Thread-safe.
 */
public final class HybridClock {
  private final LongSupplier wallMillis;
  private long last;

  /**
   * @param wallMillis the wall clock in milliseconds since the epoch; injected so tests control it
   */
  public HybridClock(LongSupplier wallMillis) {
    this.wallMillis = wallMillis;
  }

  public static HybridClock system() {
    return new HybridClock(System::currentTimeMillis);
  }

  /** A new stamp, after every stamp made or observed so far. */
  public synchronized long now() {
    long physical = Hlc.of(Math.max(0, wallMillis.getAsLong()), 0);
    last = Math.max(last + 1, physical);
    return last;
  }

  /** Merges a stamp received from elsewhere so later stamps order after it. */
  public synchronized void observe(long remote) {
    if (remote > last) {
      last = remote;
    }
  }

  /** The latest stamp made or observed, without advancing. */
  public synchronized long latest() {
    return last;
  }

  /** The current wall clock reading, in milliseconds. */
  public long wallMillis() {
    return wallMillis.getAsLong();
  }
}
