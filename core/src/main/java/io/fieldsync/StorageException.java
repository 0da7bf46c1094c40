package io.fieldsync;

/** A database failed to read or write; usually transient (busy, connection lost). */
public class StorageException extends SyncException {
  private static final long serialVersionUID = 1L;

  public StorageException(String message) {
    super(message);
  }

  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public boolean isRetriable() {
    return true;
  }
}
