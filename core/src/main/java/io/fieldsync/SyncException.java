package io.fieldsync;

/**
 * Root of every error fieldsync raises. Subclasses say what the caller can do; {@link
 * #isRetriable()} tells the sync loop whether trying again may succeed.
 */
public abstract class SyncException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  protected SyncException(String message) {
    super(message);
  }

  protected SyncException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Whether the same operation may succeed if tried again later. */
  public abstract boolean isRetriable();
}
