package io.fieldsync.clock;

import java.time.Instant;

/**
 * Hybrid logical clock stamps packed in one {@code long}: the upper 48 bits are wall-clock
 * milliseconds since the epoch, the lower 16 a counter that orders events within one millisecond.
 * Packed stamps compare with plain {@code <}. Device triggers compute the same packing in SQL
 * ({@code ms * 65536}), so a stamp made in SQL and one made here are interchangeable.
 *
 * <p>Ties between equal stamps from different devices are broken by device id (see {@link
 * #compare(long, String, long, String)}), so every replica orders every pair of writes alike.
 */
public final class Hlc {
  public static final int COUNTER_BITS = 16;
  public static final long COUNTER_MASK = (1L << COUNTER_BITS) - 1;

  private Hlc() {}

  public static long of(long wallMillis, int counter) {
    if (wallMillis < 0 || wallMillis >= (1L << (63 - COUNTER_BITS))) {
      throw new IllegalArgumentException("wall clock out of range: " + wallMillis);
    }
    if (counter < 0 || counter > COUNTER_MASK) {
      throw new IllegalArgumentException("counter out of range: " + counter);
    }
    return (wallMillis << COUNTER_BITS) | counter;
  }

  public static long wallMillis(long hlc) {
    return hlc >>> COUNTER_BITS;
  }

  public static int counter(long hlc) {
    return (int) (hlc & COUNTER_MASK);
  }

  /** Orders two stamped writes: by stamp, then by device id. */
  public static int compare(long hlc, String device, long otherHlc, String otherDevice) {
    int byStamp = Long.compare(hlc, otherHlc);
    if (byStamp != 0) {
      return byStamp;
    }
    return String.valueOf(device).compareTo(String.valueOf(otherDevice));
  }

  /** A readable form for logs and the CLI: {@code 2026-11-22T10:15:30.123Z#4}. */
  public static String format(long hlc) {
    return Instant.ofEpochMilli(wallMillis(hlc)) + "#" + counter(hlc);
  }
}
