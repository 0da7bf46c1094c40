package io.fieldsync;

/** A database failed to read or write; usually transient (busy, connection lost). */
public class StorageException extends SyncException {
  private static final long serialVersionUID = 1L;

  private final boolean retriable;

  public StorageException(String message) {
    this(message, null, true);
  }

  public StorageException(String message, Throwable cause) {
    this(message, cause, true);
  }

  /**
   * @param retriable false when trying again cannot help (a missing column, a constraint the
   *     store's own tables should never break): the server answers 500 instead of 503
   */
  public StorageException(String message, Throwable cause, boolean retriable) {
    super(message, cause);
    this.retriable = retriable;
  }

  @Override
  public boolean isRetriable() {
    return retriable;
  }

  @Override
  public Reason reason() {
    return retriable ? Reason.UNAVAILABLE : Reason.INTERNAL;
  }
}
