package io.fieldsync.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A wall clock in epoch milliseconds that moves only when a test moves it; give it to the server
 * with {@link TestServer.Builder#clock(ManualClock)}. Thread-safe.
 */
public final class ManualClock implements LongSupplier {
  private final AtomicLong millis;

  private ManualClock(long millis) {
    this.millis = new AtomicLong(millis);
  }

  /**
   * A clock that reads the real time now and then stands still. Devices stamp their edits from
   * SQLite's clock, so a server clock far from the real time would cap every device's stamp.
   */
  public static ManualClock startingNow() {
    return new ManualClock(System.currentTimeMillis());
  }

  /** A clock that reads {@code millis}. */
  public static ManualClock at(long millis) {
    return new ManualClock(millis);
  }

  /** The time it reads, in epoch milliseconds. */
  public long millis() {
    return millis.get();
  }

  @Override
  public long getAsLong() {
    return millis.get();
  }

  /** Moves the clock on by {@code step}; returns the new time. */
  public long advance(Duration step) {
    if (step.isNegative()) {
      throw new IllegalArgumentException("a clock moves forward; step was " + step);
    }
    return millis.addAndGet(step.toMillis());
  }

  /** This clock as a {@link Clock} in UTC, for a device ({@code FieldSyncClient.Builder#clock}). */
  public Clock asClock() {
    return new Clock() {
      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return Instant.ofEpochMilli(millis.get());
      }
    };
  }
}
