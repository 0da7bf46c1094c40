package io.fieldsync.server;

/** A request the server answers with an error status; the message goes to the caller as is. */
final class HttpFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String error;
  private final long lastDeviceBatch;

  HttpFailure(int status, String error, String message) {
    this(status, error, message, 0);
  }

  private HttpFailure(int status, String error, String message, long lastDeviceBatch) {
    super(message, null, false, false);
    this.status = status;
    this.error = error;
    this.lastDeviceBatch = lastDeviceBatch;
  }

  /** For a device database older than its history: the device's last committed batch, else 0. */
  long lastDeviceBatch() {
    return lastDeviceBatch;
  }

  int status() {
    return status;
  }

  String error() {
    return error;
  }

  static HttpFailure badRequest(String message) {
    return new HttpFailure(400, "bad_request", message);
  }

  static HttpFailure forbidden(String message) {
    return new HttpFailure(403, "forbidden", message);
  }

  static HttpFailure notFound(String message) {
    return new HttpFailure(404, "not_found", message);
  }

  static HttpFailure methodNotAllowed(String message) {
    return new HttpFailure(405, "method_not_allowed", message);
  }

  /** 408: the request body stalled longer than the body read timeout. */
  static HttpFailure requestTimeout(String message) {
    return new HttpFailure(408, "request_timeout", message);
  }

  static HttpFailure conflict(String message) {
    return new HttpFailure(409, "conflict", message);
  }

  /** 410: the device's cursor is older than the tombstone horizon; it must take a snapshot. */
  static HttpFailure resyncRequired(String message) {
    return new HttpFailure(410, "resync_required", message);
  }

  /** 410: the device database is older than batches the server committed from it. */
  static HttpFailure restoredDatabase(String message, long lastDeviceBatch) {
    return new HttpFailure(410, "resync_required", message, lastDeviceBatch);
  }

  static HttpFailure tooLarge(String message) {
    return new HttpFailure(413, "too_large", message);
  }

  static HttpFailure unsupportedMediaType(String message) {
    return new HttpFailure(415, "unsupported_media_type", message);
  }
}
