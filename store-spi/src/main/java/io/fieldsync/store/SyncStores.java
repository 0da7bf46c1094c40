package io.fieldsync.store;

import io.fieldsync.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Finds the backend for a location through {@link ServiceLoader}. */
public final class SyncStores {
  private SyncStores() {}

  /**
   * Opens the store at a location: a file path picks SQLite, {@code postgresql://…} or a {@code
   * jdbc:postgresql:…} URL picks PostgreSQL.
   *
   * @throws ConfigException when no installed backend accepts the location
   */
  public static SyncStore open(String location, StoreOptions options) {
    List<String> names = new ArrayList<>();
    for (SyncStoreProvider provider : ServiceLoader.load(SyncStoreProvider.class)) {
      if (provider.accepts(location)) {
        return provider.open(location, options);
      }
      names.add(provider.name());
    }
    throw new ConfigException(
        "no store backend accepts '" + location + "' (installed: " + names + ")");
  }
}
