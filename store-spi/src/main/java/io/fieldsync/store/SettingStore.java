package io.fieldsync.store;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Settings the server nodes of one store share, each a text value under a key, such as the
 * fingerprint of the token secret the store was started with. Available once the store has been
 * migrated. Thread-safe.
 */
public interface SettingStore {

  /**
   * The value stored under {@code key}, or null when none is.
   *
   * @throws io.fieldsync.StorageException when the database fails (retriable)
   */
  String setting(String key);

  /**
   * The values stored under {@code keys}, read together; a key with no value is left out.
   *
   * @throws io.fieldsync.StorageException when the database fails (retriable)
   */
  default Map<String, String> settings(Collection<String> keys) {
    Map<String, String> values = new HashMap<>();
    for (String key : keys) {
      String value = setting(key);
      if (value != null) {
        values.put(key, value);
      }
    }
    return values;
  }

  /**
   * Stores {@code value} under {@code key} unless a value is there already, atomically across
   * nodes: of several nodes offering a first value at once, exactly one value is kept.
   *
   * @return the value stored under {@code key} now: {@code value}, or the one stored before
   * @throws io.fieldsync.StorageException when the database fails (retriable)
   */
  String settingIfAbsent(String key, String value);

  /**
   * Replaces the value under {@code key} by {@code value} if it is {@code expected}, atomically
   * across nodes.
   *
   * @return the value stored under {@code key} now: {@code value} when it was replaced, else the
   *     one found (null when none)
   * @throws io.fieldsync.StorageException when the database fails (retriable)
   */
  String replaceSetting(String key, String expected, String value);
}
