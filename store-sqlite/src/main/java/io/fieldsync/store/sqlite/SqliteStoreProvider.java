package io.fieldsync.store.sqlite;

import io.fieldsync.ConfigException;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.SyncStoreProvider;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Serves plain file paths ({@code sync.db}, {@code /var/lib/fieldsync/sync.db}) and {@code
 * sqlite:FILE} / {@code jdbc:sqlite:FILE}. Anything with {@code ://} or naming PostgreSQL belongs
 * to another backend.
 */
public final class SqliteStoreProvider implements SyncStoreProvider {

  @Override
  public String name() {
    return "sqlite";
  }

  @Override
  public boolean accepts(String location) {
    if (location == null || location.isBlank() || location.contains("://")) {
      return false;
    }
    String lower = location.toLowerCase(Locale.ROOT);
    return !lower.startsWith("jdbc:postgresql") && !lower.startsWith("postgres");
  }

  @Override
  public SyncStore open(String location, StoreOptions options) {
    if (!accepts(location)) {
      throw new ConfigException("the sqlite store does not serve '" + location + "'");
    }
    if (options.password() != null) {
      throw new ConfigException(
          "a database password was given, but "
              + location
              + " is a SQLite file, which takes none; give the password only with a postgresql://"
              + " store");
    }
    return new SqliteStore(path(location), options);
  }

  /** The database file named by a location this provider accepts. */
  public static Path path(String location) {
    String file = location;
    if (file.startsWith("jdbc:sqlite:")) {
      file = file.substring("jdbc:sqlite:".length());
    } else if (file.startsWith("sqlite:")) {
      file = file.substring("sqlite:".length());
    }
    if (file.isEmpty() || file.startsWith(":memory:") || file.startsWith("file:")) {
      throw new ConfigException(
          "sqlite store location '" + location + "' must name a database file, e.g. sync.db");
    }
    try {
      return Path.of(file);
    } catch (InvalidPathException e) {
      throw new ConfigException("sqlite store location '" + location + "': " + e.getMessage(), e);
    }
  }
}
