package io.fieldsync;

/** The network failed: connection refused, timed out or cut mid-body. */
public class TransportException extends SyncException {
  private static final long serialVersionUID = 1L;

  public TransportException(String message) {
    super(message);
  }

  public TransportException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public boolean isRetriable() {
    return true;
  }

  @Override
  public Reason reason() {
    return Reason.UNAVAILABLE;
  }
}
