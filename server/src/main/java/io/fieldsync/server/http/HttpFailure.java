package io.fieldsync.server.http;

/**
 * A refusal that only HTTP has a word for (a method, a media type, a body's size or pace); the
 * domain's refusals are {@link io.fieldsync.SyncException}s. The message goes to the caller as is.
 */
final class HttpFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String error;

  private HttpFailure(int status, String error, String message) {
    super(message, null, false, false);
    this.status = status;
    this.error = error;
  }

  int status() {
    return status;
  }

  String error() {
    return error;
  }

  static HttpFailure methodNotAllowed(String message) {
    return new HttpFailure(405, "method_not_allowed", message);
  }

  /** 408: the request body stalled longer than the body read timeout. */
  static HttpFailure requestTimeout(String message) {
    return new HttpFailure(408, "request_timeout", message);
  }

  static HttpFailure tooLarge(String message) {
    return new HttpFailure(413, "too_large", message);
  }

  static HttpFailure unsupportedMediaType(String message) {
    return new HttpFailure(415, "unsupported_media_type", message);
  }
}
