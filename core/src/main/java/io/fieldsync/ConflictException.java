package io.fieldsync;

/** The request contradicts the current state: an item already resolved, a record deleted since. */
public class ConflictException extends SyncException {
  private static final long serialVersionUID = 1L;

  public ConflictException(String message) {
    super(message);
  }

  public ConflictException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public boolean isRetriable() {
    return false;
  }

  @Override
  public Reason reason() {
    return Reason.CONFLICT;
  }
}
