package io.fieldsync.server;

import io.fieldsync.ProtocolException;
import io.fieldsync.schema.Schema;

/** Refuses a request made with a schema newer than the one the server serves. */
public final class SchemaVersionCheck {
  private SchemaVersionCheck() {}

  /**
   * 0 means unspecified; an older version is fine because schema changes are additive.
   *
   * @throws ProtocolException when {@code version} is newer than {@code served}'s
   */
  public static void require(Schema served, String what, int version) {
    if (version > served.version()) {
      throw new ProtocolException(
          what
              + " schema_version "
              + version
              + " is newer than the server's schema version "
              + served.version()
              + "; the device's schema came from another server or a newer schema file");
    }
  }
}
