package io.fieldsync.store.jdbc;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The settings the nodes of one store share ({@code _fs_settings}). Thread-safe. */
final class StoreSettings {
  private static final int CHUNK = 500;

  private final JdbcTransactions transactions;

  StoreSettings(JdbcTransactions transactions) {
    this.transactions = transactions;
  }

  String setting(String key) {
    requireKey(key);
    return transactions.read(
        "reading setting '" + key + "'", connection -> first(new Queries(connection), key));
  }

  /** One read for many keys, in chunks that stay under every driver's parameter limit. */
  Map<String, String> settings(Collection<String> keys) {
    keys.forEach(StoreSettings::requireKey);
    List<String> all = List.copyOf(keys);
    return transactions.read(
        "reading " + all.size() + " settings",
        connection -> {
          Queries queries = new Queries(connection);
          Map<String, String> values = new HashMap<>();
          for (int from = 0; from < all.size(); from += CHUNK) {
            List<String> chunk = all.subList(from, Math.min(all.size(), from + CHUNK));
            for (Map.Entry<String, String> found :
                queries.queryList(
                    "SELECT key, value FROM _fs_settings WHERE key IN ("
                        + String.join(", ", Collections.nCopies(chunk.size(), "?"))
                        + ")",
                    row -> Map.entry(row.getString(1), row.getString(2)),
                    chunk.toArray())) {
              values.put(found.getKey(), found.getValue());
            }
          }
          return values;
        });
  }

  String settingIfAbsent(String key, String value) {
    requireKey(key);
    if (value == null) {
      throw new IllegalArgumentException("the value of setting '" + key + "' must not be null");
    }
    return transactions.writeAlone(
        "storing setting '" + key + "'",
        connection -> {
          Queries queries = new Queries(connection);
          // The primary key decides between nodes offering a first value at once.
          queries.update(
              "INSERT INTO _fs_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
              key,
              value);
          return first(queries, key);
        });
  }

  String replaceSetting(String key, String expected, String value) {
    requireKey(key);
    if (expected == null || value == null) {
      throw new IllegalArgumentException(
          "the expected and new values of setting '" + key + "' must not be null");
    }
    return transactions.writeAlone(
        "replacing setting '" + key + "'",
        connection -> {
          Queries queries = new Queries(connection);
          queries.update(
              "UPDATE _fs_settings SET value = ? WHERE key = ? AND value = ?",
              value,
              key,
              expected);
          return first(queries, key);
        });
  }

  static String first(Queries queries, String key) throws java.sql.SQLException {
    List<String> values =
        queries.queryList(
            "SELECT value FROM _fs_settings WHERE key = ?", row -> row.getString(1), key);
    return values.isEmpty() ? null : values.get(0);
  }

  static void requireKey(String key) {
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("a setting key must not be empty");
    }
  }
}
