package io.fieldsync.store.postgres;

import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.SyncStoreProvider;

/**
 * The PostgreSQL backend: accepts {@code postgresql://host:port/db?user=…&password=…}, {@code
 * postgres://user:password@host/db} and {@code jdbc:postgresql:…} locations. Found through {@code
 * ServiceLoader}.
 */
public final class PostgresStoreProvider implements SyncStoreProvider {

  @Override
  public String name() {
    return "postgresql";
  }

  @Override
  public boolean accepts(String location) {
    return location != null && PostgresLocation.accepts(location);
  }

  /**
   * Opens a connection pool to the database; tables are created by {@link SyncStore#migrate}.
   *
   * @throws io.fieldsync.ConfigException when the location is not a valid PostgreSQL URL
   * @throws io.fieldsync.StorageException when the database cannot be reached
   */
  @Override
  public SyncStore open(String location, StoreOptions options) {
    return new PostgresStore(PostgresLocation.parse(location, options.password()), options);
  }
}
