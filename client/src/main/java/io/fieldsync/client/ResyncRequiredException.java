package io.fieldsync.client;

import io.fieldsync.ProtocolException;

/**
 * The server cannot bring the device up to date from its cursor (HTTP 410 {@code resync_required}):
 * deletes older than the server's tombstone horizon were purged. The device must take a snapshot;
 * {@link FieldSyncClient#syncNow()} does so by itself, {@link FieldSyncClient#resync()} on demand.
 */
public class ResyncRequiredException extends ProtocolException {
  private static final long serialVersionUID = 1L;

  public ResyncRequiredException(String message) {
    super(message);
  }
}
