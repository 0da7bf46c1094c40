package io.fieldsync.client.internal.apply;

import io.fieldsync.ConfigException;

/**
 * The server sent data made for a newer schema than the device's: a page of a newer schema version,
 * or a record of a table or column the device's schema does not have. Nothing of it was written
 * (the page's transaction rolled back, the cursor did not move); the cycle migrates and pulls
 * again, or stops, but never drops the values.
 */
public final class NewerSchemaException extends ConfigException {
  private static final long serialVersionUID = 1L;

  private final int serverVersion;

  private NewerSchemaException(String message, int serverVersion) {
    super(message);
    this.serverVersion = serverVersion;
  }

  /** A page the server made for schema {@code serverVersion}, newer than {@code localVersion}. */
  public static NewerSchemaException page(int serverVersion, int localVersion, long upTo) {
    return new NewerSchemaException(
        "the pull page up to cursor "
            + upTo
            + " was made for schema version "
            + serverVersion
            + ", newer than the device's version "
            + localVersion,
        serverVersion);
  }

  /** A record of a table the device's schema does not have. */
  static NewerSchemaException table(String table, String recordId, int localVersion) {
    return new NewerSchemaException(
        "the server sent record '"
            + recordId
            + "' of table '"
            + table
            + "', which the device's schema (version "
            + localVersion
            + ") does not have",
        0);
  }

  /** A field of a column the device's table does not have. */
  static NewerSchemaException column(
      String table, String recordId, String column, int localVersion) {
    return new NewerSchemaException(
        "the server sent column '"
            + column
            + "' of table '"
            + table
            + "' (record '"
            + recordId
            + "'), which the device's schema (version "
            + localVersion
            + ") does not have",
        0);
  }

  /** The schema version the server announced, or 0 when it was found from the data alone. */
  public int serverVersion() {
    return serverVersion;
  }
}
