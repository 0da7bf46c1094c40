package io.fieldsync;

/** The record, item or other thing a request names does not exist. */
public class NotFoundException extends SyncException {
  private static final long serialVersionUID = 1L;

  public NotFoundException(String message) {
    super(message);
  }

  @Override
  public boolean isRetriable() {
    return false;
  }

  @Override
  public Reason reason() {
    return Reason.NOT_FOUND;
  }
}
