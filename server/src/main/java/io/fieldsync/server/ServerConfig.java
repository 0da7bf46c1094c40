package io.fieldsync.server;

import io.fieldsync.schema.Schema;
import io.fieldsync.store.SyncStore;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Everything a {@link SyncServer} needs, immutable once built. Start from {@link #builder}.
 *
 * @param host the interface to bind; {@code 127.0.0.1} by default
 * @param port the TCP port; 0 picks a free one ({@link SyncServer#port()} tells which)
 * @param store the store to serve (the server migrates it to {@code schema} on start but does not
 *     close it)
 * @param storeLocation how to name the store in logs, e.g. {@code sqlite:sync.db}
 * @param secret the HS256 key tokens are signed with, at least 32 bytes
 * @param maxBodyBytes the largest request body accepted, compressed and decompressed
 * @param clockSkewToleranceMillis how far ahead of the server's wall clock a device stamp may be
 *     before it is capped
 * @param defaultPullLimit records per pull page when the request names none
 * @param maxPullLimit the cap on records per pull page
 * @param wallClock the server's wall clock in epoch milliseconds
 * @param tombstoneHorizonMillis how long tombstones are kept before the purge removes them; a
 *     device whose cursor is older must resync (default 30 days)
 * @param purgeIntervalMillis how often the server runs the purge; 0 never (tests call {@link
 *     SyncServer#purgeTombstones()}); default 1 hour
 * @param maxBatchChanges the most changes one push may carry (default 10,000; devices send 500)
 * @param bodyReadTimeoutMillis how long a request body may stall before the server answers 408
 *     (default 30 s)
 * @param pullAheadThreads threads that prepare the next page of a multi-page pull while the device
 *     takes the current one (default 1); 0 turns this off
 * @param tls the TLS identity: with one the server serves HTTPS and WSS only; null serves plain
 *     HTTP (default)
 * @param previousSecret a secret being replaced: tokens it signed are accepted too, so devices keep
 *     working until they hold tokens of {@code secret}; null when none (default)
 * @param activitySaveMillis how often the node saves what it saw of devices for the admin console
 *     (default 5 s); 0 keeps it in this node's memory only, and the store is never written for it
 */
public record ServerConfig(
    String host,
    int port,
    SyncStore store,
    String storeLocation,
    Schema schema,
    byte[] secret,
    int maxBodyBytes,
    long clockSkewToleranceMillis,
    int defaultPullLimit,
    int maxPullLimit,
    LongSupplier wallClock,
    long tombstoneHorizonMillis,
    long purgeIntervalMillis,
    int maxBatchChanges,
    long bodyReadTimeoutMillis,
    int pullAheadThreads,
    ServerTls tls,
    byte[] previousSecret,
    long activitySaveMillis) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8787;
  public static final long DEFAULT_ACTIVITY_SAVE_MILLIS = 5_000;
  public static final int DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
  public static final long DEFAULT_CLOCK_SKEW_TOLERANCE_MILLIS = 60_000;
  public static final int DEFAULT_PULL_LIMIT = 1000;
  public static final int MAX_PULL_LIMIT = 10_000;
  public static final long DEFAULT_TOMBSTONE_HORIZON_MILLIS = 30L * 24 * 60 * 60 * 1000;
  public static final long DEFAULT_PURGE_INTERVAL_MILLIS = 60L * 60 * 1000;
  public static final int DEFAULT_MAX_BATCH_CHANGES = 10_000;
  public static final long DEFAULT_BODY_READ_TIMEOUT_MILLIS = 30_000;
  public static final int DEFAULT_PULL_AHEAD_THREADS = 1;

  public ServerConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(schema, "schema");
    Objects.requireNonNull(secret, "secret");
    Objects.requireNonNull(wallClock, "wallClock");
    storeLocation = storeLocation == null ? store.name() : storeLocation;
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port must be 0..65535, found " + port);
    }
    if (secret.length < TokenService.MIN_SECRET_BYTES) {
      throw new IllegalArgumentException(
          "secret must be at least "
              + TokenService.MIN_SECRET_BYTES
              + " bytes, found "
              + secret.length);
    }
    if (maxBodyBytes < 1024) {
      throw new IllegalArgumentException(
          "maxBodyBytes must be at least 1024, found " + maxBodyBytes);
    }
    if (clockSkewToleranceMillis < 0) {
      throw new IllegalArgumentException(
          "clockSkewToleranceMillis must not be negative, found " + clockSkewToleranceMillis);
    }
    if (defaultPullLimit < 1 || maxPullLimit < defaultPullLimit) {
      throw new IllegalArgumentException(
          "pull limits must satisfy 1 <= default <= max, found default "
              + defaultPullLimit
              + " and max "
              + maxPullLimit);
    }
    if (tombstoneHorizonMillis < 0) {
      throw new IllegalArgumentException(
          "tombstoneHorizonMillis must not be negative, found " + tombstoneHorizonMillis);
    }
    if (purgeIntervalMillis < 0) {
      throw new IllegalArgumentException(
          "purgeIntervalMillis must not be negative, found " + purgeIntervalMillis);
    }
    if (activitySaveMillis < 0) {
      throw new IllegalArgumentException(
          "activitySaveMillis must not be negative, found " + activitySaveMillis);
    }
    if (maxBatchChanges < 1) {
      throw new IllegalArgumentException(
          "maxBatchChanges must be at least 1, found " + maxBatchChanges);
    }
    if (pullAheadThreads < 0) {
      throw new IllegalArgumentException(
          "pullAheadThreads must not be negative, found " + pullAheadThreads);
    }
    if (bodyReadTimeoutMillis < 1) {
      throw new IllegalArgumentException(
          "bodyReadTimeoutMillis must be at least 1, found " + bodyReadTimeoutMillis);
    }
    secret = secret.clone();
    if (previousSecret != null) {
      if (previousSecret.length < TokenService.MIN_SECRET_BYTES) {
        throw new IllegalArgumentException(
            "previousSecret must be at least "
                + TokenService.MIN_SECRET_BYTES
                + " bytes, found "
                + previousSecret.length);
      }
      previousSecret = previousSecret.clone();
    }
  }

  @Override
  public byte[] secret() {
    return secret.clone();
  }

  @Override
  public byte[] previousSecret() {
    return previousSecret == null ? null : previousSecret.clone();
  }

  /** A builder with every default: 127.0.0.1:8787, 16 MiB bodies, 60 s skew, system clock. */
  public static Builder builder(SyncStore store, Schema schema, byte[] secret) {
    return new Builder(store, schema, secret);
  }

  @Override
  public boolean equals(Object other) {
    return this == other;
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(this);
  }

  @Override
  public String toString() {
    return "ServerConfig["
        + host
        + ":"
        + port
        + ", store="
        + storeLocation
        + ", schema=v"
        + schema.version()
        + ", maxBodyBytes="
        + maxBodyBytes
        + ", clockSkewToleranceMillis="
        + clockSkewToleranceMillis
        + ", secret=("
        + secret.length
        + " bytes)"
        + (tls == null ? "" : ", tls=" + tls.source())
        + "]";
  }

  /** Collects settings for a {@link ServerConfig}. Not thread-safe. */
  public static final class Builder {
    private String host = DEFAULT_HOST;
    private int port = DEFAULT_PORT;
    private final SyncStore store;
    private String storeLocation;
    private final Schema schema;
    private final byte[] secret;
    private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    private long clockSkewToleranceMillis = DEFAULT_CLOCK_SKEW_TOLERANCE_MILLIS;
    private int defaultPullLimit = DEFAULT_PULL_LIMIT;
    private int maxPullLimit = MAX_PULL_LIMIT;
    private LongSupplier wallClock = System::currentTimeMillis;
    private long tombstoneHorizonMillis = DEFAULT_TOMBSTONE_HORIZON_MILLIS;
    private long purgeIntervalMillis = DEFAULT_PURGE_INTERVAL_MILLIS;
    private long activitySaveMillis = DEFAULT_ACTIVITY_SAVE_MILLIS;
    private int maxBatchChanges = DEFAULT_MAX_BATCH_CHANGES;
    private long bodyReadTimeoutMillis = DEFAULT_BODY_READ_TIMEOUT_MILLIS;
    private int pullAheadThreads = DEFAULT_PULL_AHEAD_THREADS;
    private ServerTls tls;
    private byte[] previousSecret;

    private Builder(SyncStore store, Schema schema, byte[] secret) {
      this.store = store;
      this.schema = schema;
      this.secret = Arrays.copyOf(secret, secret.length);
    }

    public Builder host(String host) {
      this.host = host;
      return this;
    }

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    public Builder storeLocation(String storeLocation) {
      this.storeLocation = storeLocation;
      return this;
    }

    public Builder maxBodyBytes(int maxBodyBytes) {
      this.maxBodyBytes = maxBodyBytes;
      return this;
    }

    public Builder clockSkewToleranceMillis(long clockSkewToleranceMillis) {
      this.clockSkewToleranceMillis = clockSkewToleranceMillis;
      return this;
    }

    public Builder pullLimits(int defaultPullLimit, int maxPullLimit) {
      this.defaultPullLimit = defaultPullLimit;
      this.maxPullLimit = maxPullLimit;
      return this;
    }

    public Builder wallClock(LongSupplier wallClock) {
      this.wallClock = wallClock;
      return this;
    }

    /** How long tombstones are kept (default 30 days). */
    public Builder tombstoneHorizonMillis(long tombstoneHorizonMillis) {
      this.tombstoneHorizonMillis = tombstoneHorizonMillis;
      return this;
    }

    /** How often the purge runs (default 1 hour; 0 = only when called). */
    public Builder purgeIntervalMillis(long purgeIntervalMillis) {
      this.purgeIntervalMillis = purgeIntervalMillis;
      return this;
    }

    /**
     * How often the node saves device activity for the admin console (default 5 s; 0 = never: the
     * console then shows only what this node saw since it started).
     */
    public Builder activitySaveMillis(long activitySaveMillis) {
      this.activitySaveMillis = activitySaveMillis;
      return this;
    }

    /** The most changes one push may carry (default 10,000). */
    public Builder maxBatchChanges(int maxBatchChanges) {
      this.maxBatchChanges = maxBatchChanges;
      return this;
    }

    /** How long a request body may stall before the server answers 408 (default 30 s). */
    public Builder bodyReadTimeoutMillis(long bodyReadTimeoutMillis) {
      this.bodyReadTimeoutMillis = bodyReadTimeoutMillis;
      return this;
    }

    /**
     * @throws IllegalArgumentException naming the setting and the bad value
     */
    public Builder pullAheadThreads(int pullAheadThreads) {
      this.pullAheadThreads = pullAheadThreads;
      return this;
    }

    /** Serve HTTPS and WSS only, with this identity (default: plain HTTP). */
    public Builder tls(ServerTls tls) {
      this.tls = tls;
      return this;
    }

    /**
     * Also accept tokens signed with this secret, the one being replaced (default: none). See
     * docs/configuration.md, "Replacing the secret".
     */
    public Builder previousSecret(byte[] previousSecret) {
      this.previousSecret = previousSecret == null ? null : previousSecret.clone();
      return this;
    }

    public ServerConfig build() {
      return new ServerConfig(
          host,
          port,
          store,
          storeLocation,
          schema,
          secret,
          maxBodyBytes,
          clockSkewToleranceMillis,
          defaultPullLimit,
          maxPullLimit,
          wallClock,
          tombstoneHorizonMillis,
          purgeIntervalMillis,
          maxBatchChanges,
          bodyReadTimeoutMillis,
          pullAheadThreads,
          tls,
          previousSecret,
          activitySaveMillis);
    }
  }
}
