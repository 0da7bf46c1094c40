package io.fieldsync;

/**
 * A message that breaks the wire protocol: malformed, truncated, oversized or of the wrong shape.
 */
public class ProtocolException extends SyncException {
  private static final long serialVersionUID = 1L;

  public ProtocolException(String message) {
    super(message);
  }

  public ProtocolException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public boolean isRetriable() {
    return false;
  }

  @Override
  public Reason reason() {
    return Reason.BAD_REQUEST;
  }
}
