package io.fieldsync.store;

/**
 * Settings every backend understands.
 *
 * @param poolSize connections in the pool (PostgreSQL); SQLite uses one writer and this many
 *     readers
 * @param busyTimeoutMillis how long a writer waits for a lock before failing (retriable)
 * @param password the database password, kept out of the location (and so out of process lists and
 *     logs); null when the location carries one or none is needed. A backend without passwords
 *     (SQLite) refuses one.
 */
public record StoreOptions(int poolSize, int busyTimeoutMillis, String password) {
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

  /** Options without a password. */
  public StoreOptions(int poolSize, int busyTimeoutMillis) {
    this(poolSize, busyTimeoutMillis, null);
  }

  @Override
  public String toString() {
    return "StoreOptions[poolSize="
        + poolSize
        + ", busyTimeoutMillis="
        + busyTimeoutMillis
        + ", password="
        + (password == null ? "none" : "***")
        + "]";
  }
}
