package io.fieldsync.store;

/**
 * Makes stores of one backend. Listed in {@code
 * META-INF/services/io.fieldsync.store.SyncStoreProvider} and chosen by {@link SyncStores#open}
 * from a location such as {@code sync.db} or {@code postgresql://host/db}.
 */
public interface SyncStoreProvider {

  /** The backend's name ({@code sqlite}, {@code postgresql}). */
  String name();

  /** Whether this backend serves the location. */
  boolean accepts(String location);

  /**
   * Opens (creating if needed) the store at the location.
   *
   * @throws io.fieldsync.ConfigException when the location is invalid
   * @throws io.fieldsync.StorageException when the database cannot be reached
   */
  SyncStore open(String location, StoreOptions options);
}
