package io.fieldsync;

/**
 * Root of every error fieldsync raises. Subclasses say what the caller can do; {@link
 * #isRetriable()} tells the sync loop whether trying again may succeed, and {@link #reason()} names
 * the refusal in the protocol's words, so the server's HTTP layer maps it to a status in one place.
 */
public abstract class SyncException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why an operation failed, as the protocol's error codes name it (docs/protocol.md). */
  public enum Reason {
    /** The request is malformed or breaks a rule of the protocol; sending it again cannot help. */
    BAD_REQUEST("bad_request"),
    /** The token is missing, forged, expired or revoked. */
    UNAUTHORIZED("unauthorized"),
    /** The token is valid but its role does not allow the operation. */
    FORBIDDEN("forbidden"),
    /** The thing the request names does not exist. */
    NOT_FOUND("not_found"),
    /** The request contradicts the current state (an item already resolved, a deleted record). */
    CONFLICT("conflict"),
    /** The device cannot be brought up to date from where it is; it must take a snapshot. */
    RESYNC_REQUIRED("resync_required"),
    /** A dependency is busy or unreachable; the same operation may succeed later. */
    UNAVAILABLE("unavailable"),
    /** A failure only a person can fix (configuration, a broken store). */
    INTERNAL("internal");

    private final String code;

    Reason(String code) {
      this.code = code;
    }

    /** The code as the protocol's JSON error bodies carry it, e.g. {@code bad_request}. */
    public String code() {
      return code;
    }
  }

  protected SyncException(String message) {
    super(message);
  }

  protected SyncException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Whether the same operation may succeed if tried again later. */
  public abstract boolean isRetriable();

  /**
   * Why the operation failed. Subclasses name theirs; this default says only whether trying again
   * may help.
   */
  public Reason reason() {
    return isRetriable() ? Reason.UNAVAILABLE : Reason.INTERNAL;
  }
}
