package io.fieldsync;

/** Configuration or schema is invalid; fixing it needs a person. */
public class ConfigException extends SyncException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public boolean isRetriable() {
    return false;
  }

  @Override
  public Reason reason() {
    return Reason.INTERNAL;
  }
}
