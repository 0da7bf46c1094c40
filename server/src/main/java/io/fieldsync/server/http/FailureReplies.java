package io.fieldsync.server.http;

import com.google.gson.JsonObject;
import io.fieldsync.ResyncRequiredException;
import io.fieldsync.StorageException;
import io.fieldsync.SyncException;
import io.fieldsync.server.MessageText;
import io.fieldsync.server.ServerMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place a failure becomes an HTTP reply: a {@link SyncException}'s reason picks the status
 * and the error code (docs/protocol.md), the message goes to the caller as is, and the log line
 * fits the failure (a refusal at info, a busy store in one line, a bug with its trace).
 */
final class FailureReplies {
  private static final Logger log = LoggerFactory.getLogger(FailureReplies.class);

  private final ServerMetrics metrics;

  FailureReplies(ServerMetrics metrics) {
    this.metrics = metrics;
  }

  /** The reply to a request {@code method path} that failed with {@code failure}. */
  Reply reply(String method, String path, Exception failure) {
    if (failure instanceof HttpFailure http) {
      return error(method, path, http.status(), http.error(), http.getMessage(), null);
    }
    if (failure instanceof SyncException sync) {
      Reply reply = domainError(method, path, sync);
      if (sync instanceof ResyncRequiredException resync && resync.lastDeviceBatch() > 0) {
        JsonObject body = body(reply.status(), sync.getMessage());
        body.addProperty("last_device_batch", resync.lastDeviceBatch());
        return Reply.jsonLine(reply.status(), body);
      }
      return reply;
    }
    return error(
        method, path, 500, "internal", "internal server error; see the server log", failure);
  }

  private Reply domainError(String method, String path, SyncException failure) {
    SyncException.Reason reason = failure.reason();
    return switch (reason) {
      case UNAVAILABLE, INTERNAL -> storeOrInternal(method, path, failure);
      default -> error(method, path, status(reason), reason.code(), failure.getMessage(), null);
    };
  }

  private static int status(SyncException.Reason reason) {
    return switch (reason) {
      case BAD_REQUEST -> 400;
      case UNAUTHORIZED -> 401;
      case FORBIDDEN -> 403;
      case NOT_FOUND -> 404;
      case CONFLICT -> 409;
      case RESYNC_REQUIRED -> 410;
      case UNAVAILABLE -> 503;
      case INTERNAL -> 500;
    };
  }

  /** A store's failure says whether retrying helps; any other is a bug or a broken setup. */
  private Reply storeOrInternal(String method, String path, SyncException failure) {
    if (!(failure instanceof StorageException)) {
      return error(
          method, path, 500, "internal", "internal server error; see the server log", failure);
    }
    return failure.isRetriable()
        ? error(
            method,
            path,
            503,
            "unavailable",
            "the store is busy or unreachable; retry later",
            failure)
        : error(
            method,
            path,
            500,
            "internal",
            "the store failed in a way retrying will not fix; see the server log",
            failure);
  }

  private Reply error(
      String method, String path, int status, String error, String message, Throwable cause) {
    metrics.error(error);
    String where = method + " " + MessageText.abbreviate(path);
    if (status == 503) {
      // Retriable (a busy or unreachable store): one line with the store's reason, no trace.
      log.warn(
          "{} failed: {} {}: {} ({})",
          where,
          status,
          error,
          message,
          cause == null ? "no cause" : cause.getMessage());
    } else if (status >= 500) {
      log.error("{} failed: {} {}: {}", where, status, error, message, cause);
    } else {
      log.info("{} refused: {} {}: {}", where, status, error, message);
    }
    return Reply.jsonLine(status, body(error, message));
  }

  private static JsonObject body(int status, String message) {
    return body(codeFor(status), message);
  }

  private static JsonObject body(String error, String message) {
    JsonObject body = new JsonObject();
    body.addProperty("error", error);
    body.addProperty("message", message);
    return body;
  }

  /** The error code of a status, for errors Jetty raises before a request reaches the server. */
  static String codeFor(int status) {
    return switch (status) {
      case 400 -> "bad_request";
      case 401 -> "unauthorized";
      case 403 -> "forbidden";
      case 404 -> "not_found";
      case 405 -> "method_not_allowed";
      case 409 -> "conflict";
      case 408 -> "request_timeout";
      case 410 -> "resync_required";
      case 413 -> "too_large";
      case 415 -> "unsupported_media_type";
      case 503 -> "unavailable";
      default -> status >= 500 ? "internal" : "http_" + status;
    };
  }
}
