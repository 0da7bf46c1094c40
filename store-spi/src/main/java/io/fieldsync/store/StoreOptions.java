package io.fieldsync.store;

/**
 * Settings every backend understands.
 *
 * @param poolSize connections in the pool (PostgreSQL); SQLite uses one writer and this many
 *     readers
 * @param busyTimeoutMillis how long a writer waits for a lock before failing (retriable)
 */
public record StoreOptions(int poolSize, int busyTimeoutMillis) {
  public static final StoreOptions DEFAULTS = new StoreOptions(8, 10_000);

  public StoreOptions {
    if (poolSize < 1) {
      throw new IllegalArgumentException("poolSize must be at least 1, found " + poolSize);
    }
    if (busyTimeoutMillis < 0) {
      throw new IllegalArgumentException(
          "busyTimeoutMillis must not be negative, found " + busyTimeoutMillis);
    }
  }
}
