package io.fieldsync.client.internal.apply;

import io.fieldsync.ProtocolException;

/**
 * A pulled record names a table or column the local schema does not have: the server serves a newer
 * schema than the device follows. The page is not applied (its cursor is not stored), so nothing of
 * it is lost; the cycle migrates to the server's schema and pulls the page again.
 */
public final class NewerSchemaException extends ProtocolException {
  private static final long serialVersionUID = 1L;

  NewerSchemaException(String message) {
    super(message);
  }
}
