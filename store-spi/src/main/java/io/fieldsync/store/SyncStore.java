package io.fieldsync.store;

/**
 * Where the server keeps user data and sync metadata. One implementation per backend, found through
 * {@link SyncStoreProvider}; callers hold this type, and the interfaces it joins say what each part
 * of the server needs: {@link ChangeStore} (the sync data and its sequence), {@link
 * ReviewQueueStore}, {@link RevocationStore}, {@link RecoveryStore} (tombstone purge and what a
 * device needs to be told to resync) and {@link SettingStore} (settings the nodes share). Every
 * backend implements all of them. Every method is keyed by tenant; no call ever reads or writes
 * another tenant's rows.
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
        AutoCloseable {

  /** The backend's name, for logs ({@code sqlite}, {@code postgresql}). */
  String name();

  @Override
  void close();
}
