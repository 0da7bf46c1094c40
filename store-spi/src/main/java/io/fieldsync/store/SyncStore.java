package io.fieldsync.store;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Where the server keeps user data and sync metadata. One implementation per backend, found through
 * {@link SyncStoreProvider}; callers hold this type, and the interfaces it joins say what each part
 * of the server needs: {@link ChangeStore} (the sync data and its sequence), {@link
 * ReviewQueueStore}, {@link RevocationStore}, {@link RecoveryStore} (tombstone purge and what a
 * device needs to be told to resync) {@link SettingStore} (settings the nodes share) and {@link
 * AdminStore} (what the admin console shows). Every backend implements all of them. Every method is
 * keyed by tenant; no call ever reads or writes another tenant's rows.
 *
 * <p>Implementations are thread-safe. The visibility promise every backend keeps: a pull never sees
 * sequence {@code n + 1} before {@code n} is visible, so a cursor can never skip a change.
 */
public interface SyncStore
    extends ChangeStore,
        ReviewQueueStore,
        RevocationStore,
        RecoveryStore,
        SettingStore,
        AdminStore,
        AutoCloseable {

  /** The backend's name, for logs ({@code sqlite}, {@code postgresql}). */
  String name();

  /**
   * Checks that the store answers, with one cheap round trip (a readiness probe calls it).
   *
   * @throws io.fieldsync.StorageException when the store does not answer, saying why
   */
  default void ping() {
    currentSequence("_fs_ping");
  }

  /**
   * Publishes the store's connection pool gauges and timers (connections in use, idle, waiting,
   * time to get one) to {@code registry}, until {@link #unbindMetrics} with the same registry.
   * Several registries may be bound at once.
   */
  default void bindMetrics(MeterRegistry registry) {}

  /** Stops publishing to a registry given to {@link #bindMetrics}. */
  default void unbindMetrics(MeterRegistry registry) {}

  @Override
  void close();
}
