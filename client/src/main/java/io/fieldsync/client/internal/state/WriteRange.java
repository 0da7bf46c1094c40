package io.fieldsync.client.internal.state;

/**
 * The server sequences {@code first..last} that one acknowledged push wrote (its {@code written}
 * range): a pull may leave those writes out, since this database already holds them.
 */
public record WriteRange(long first, long last) {
  public WriteRange {
    if (first < 1 || last < first) {
      throw new IllegalArgumentException(
          "a write range needs 1 <= first <= last, found " + first + ".." + last);
    }
  }
}
