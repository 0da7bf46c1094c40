package io.fieldsync;

/**
 * The device cannot be brought up to date from where it is: its cursor is older than the tombstone
 * horizon or ahead of the server, or its database is older than batches the server already
 * committed from it. It must take a snapshot (pushing its outbox first).
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

  @Override
  public Reason reason() {
    return Reason.RESYNC_REQUIRED;
  }
}
