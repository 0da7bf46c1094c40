package io.fieldsync.client;

import io.fieldsync.ProtocolException;

/**
 * The server cannot bring the device up to date from its cursor (HTTP 410 {@code resync_required}):
 * deletes older than the server's tombstone horizon were purged, the cursor is ahead of the server,
 * or the database is older than batches the server already committed from the device. The device
 * must take a snapshot; {@link FieldSyncClient#syncNow()} does so by itself, {@link
 * FieldSyncClient#resync()} on demand.
 */
public class ResyncRequiredException extends ProtocolException {
  private static final long serialVersionUID = 1L;

  private final long lastDeviceBatch;

  public ResyncRequiredException(String message) {
    this(message, 0);
  }

  /**
   * @param lastDeviceBatch when the database is older than the device's history: the highest batch
   *     number the server committed for the device; 0 otherwise
   */
  public ResyncRequiredException(String message, long lastDeviceBatch) {
    super(message);
    this.lastDeviceBatch = lastDeviceBatch;
  }

  /** The device's highest batch number the server committed, when that is why; else 0. */
  public long lastDeviceBatch() {
    return lastDeviceBatch;
  }
}
