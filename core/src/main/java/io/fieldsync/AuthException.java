package io.fieldsync;

/** A token is missing, forged, expired or does not allow the operation. */
public class AuthException extends SyncException {
  private static final long serialVersionUID = 1L;

  public AuthException(String message) {
    super(message);
  }

  public AuthException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public boolean isRetriable() {
    return false;
  }
}
