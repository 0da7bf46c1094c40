package io.fieldsync;

/**
 * A token is missing, forged, expired or revoked ({@link Reason#UNAUTHORIZED}), or valid but not
 * allowed the operation ({@link Reason#FORBIDDEN}, see {@link #forbidden}).
 */
public class AuthException extends SyncException {
  private static final long serialVersionUID = 1L;

  private final Reason reason;

  public AuthException(String message) {
    this(message, null);
  }

  public AuthException(String message, Throwable cause) {
    this(Reason.UNAUTHORIZED, message, cause);
  }

  private AuthException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  /** A valid token whose role does not allow the operation. */
  public static AuthException forbidden(String message) {
    return new AuthException(Reason.FORBIDDEN, message, null);
  }

  @Override
  public boolean isRetriable() {
    return false;
  }

  @Override
  public Reason reason() {
    return reason;
  }
}
