package io.fieldsync.client.internal.state;

import io.fieldsync.client.DeviceKey;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A device database file and, for an encrypted one, its key: what every connection to it needs. Its
 * string form is the path alone.
 */
public record DeviceFile(Path path, DeviceKey key) {
  public DeviceFile {
    Objects.requireNonNull(path, "path");
  }

  /** An unencrypted database. */
  public static DeviceFile plain(Path path) {
    return new DeviceFile(path, null);
  }

  public boolean encrypted() {
    return key != null;
  }

  /**
   * A new connection, see {@link DeviceDatabase#connect(DeviceFile, boolean)}.
   *
   * @throws io.fieldsync.StorageException when the file cannot be opened
   */
  public java.sql.Connection connect(boolean immediate) {
    return DeviceDatabase.connect(this, immediate);
  }

  @Override
  public String toString() {
    return path.toString();
  }
}
