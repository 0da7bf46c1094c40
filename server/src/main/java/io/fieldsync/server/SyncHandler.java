package io.fieldsync.server;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Message;
import io.fieldsync.AuthException;
import io.fieldsync.ProtocolException;
import io.fieldsync.StorageException;
import io.fieldsync.schema.SchemaCodec;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.RecordsRequest;
import io.fieldsync.wire.SchemaResponse;
import io.fieldsync.wire.VerifyRequest;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes the v1 endpoints (see docs/protocol.md): authenticates, negotiates the format, bounds the
 * body, and maps every failure to a JSON error with the documented status. Row contents are never
 * logged.
 */
final class SyncHandler extends Handler.Abstract {
  private static final Logger log = LoggerFactory.getLogger(SyncHandler.class);
  private static final String REVIEW_PREFIX = "/v1/review/";

  private final ServerConfig config;
  private final TokenService tokens;
  private final PushService pushes;
  private final PullService pulls;
  private final ReviewService reviews;
  private final ServerClock clock;
  private final ServerMetrics metrics;

  /** Prepares the next page of multi-page pulls; null when turned off. */
  private final PullAhead<PullKey, PulledPage> ahead;

  /** Connections with a request being handled; the others are idle and can close at shutdown. */
  private final Set<Connection> handling = ConcurrentHashMap.newKeySet();

  SyncHandler(
      ServerConfig config,
      TokenService tokens,
      PushService pushes,
      PullService pulls,
      ReviewService reviews,
      ServerClock clock,
      ServerMetrics metrics) {
    this.config = config;
    this.tokens = tokens;
    this.pushes = pushes;
    this.pulls = pulls;
    this.reviews = reviews;
    this.clock = clock;
    this.metrics = metrics;
    this.ahead =
        config.pullAheadThreads() == 0
            ? null
            : new PullAhead<>(config.pullAheadThreads(), System::currentTimeMillis);
  }

  /** The pull pages prepared ahead, or null when that is off (for tests). */
  PullAhead<?, ?> pullAhead() {
    return ahead;
  }

  /** Stops preparing pull pages. */
  void close() {
    if (ahead != null) {
      ahead.close();
    }
  }

  // Live channel and recovery endpoints, attached by SyncServer after construction.
  private volatile CommitNotifier commits = CommitNotifier.NONE;
  private volatile RecoveryService recovery;

  void attach(CommitNotifier commits, RecoveryService recovery) {
    this.commits = commits;
    this.recovery = recovery;
  }

  /** A response body with its headers. */
  private record Reply(int status, String contentType, String contentEncoding, byte[] body) {
    static Reply json(String json) {
      return new Reply(
          200, MessageCodec.JSON + "; charset=utf-8", null, json.getBytes(StandardCharsets.UTF_8));
    }

    static Reply message(Message message, MessageCodec.Format format) {
      return new Reply(
          200,
          MessageCodec.contentType(format),
          format == MessageCodec.Format.PROTOBUF ? "zstd" : null,
          MessageCodec.write(message, format));
    }

    /** This JSON error with one more number field. */
    Reply withField(String name, long value) {
      JsonObject json =
          JsonParser.parseString(new String(body, StandardCharsets.UTF_8)).getAsJsonObject();
      json.addProperty(name, value);
      return new Reply(
          status, contentType, contentEncoding, (json + "\n").getBytes(StandardCharsets.UTF_8));
    }
  }

  /** A pull as the server answers it: who asks, what, and in which format. */
  private record PullKey(TokenClaims token, PullRequest request, MessageCodec.Format format) {}

  /** A pull's answer, encoded, with what the log and the metrics tell of it. */
  private record PulledPage(
      Reply reply, int records, long nextCursor, boolean hasMore, long sequence) {}

  private PulledPage pullPage(PullKey key) {
    boolean packed = key.request().getPacked() && key.format() == MessageCodec.Format.PROTOBUF;
    PullResponse result = pulls.pull(key.token(), key.request(), packed);
    return new PulledPage(
        Reply.message(result, key.format()),
        PullService.recordCount(result),
        result.getNextCursor(),
        result.getHasMore(),
        result.getSequence());
  }

  /** Whether a request on this connection is being handled or its response is being written. */
  boolean isHandling(Connection connection) {
    return handling.contains(connection);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    Connection connection = request.getConnectionMetaData().getConnection();
    handling.add(connection);
    try {
      return respond(request, response, Callback.from(callback, () -> handling.remove(connection)));
    } catch (RuntimeException | Error e) {
      handling.remove(connection);
      throw e;
    }
  }

  private boolean respond(Request request, Response response, Callback callback) {
    long started = System.nanoTime();
    String method = request.getMethod();
    String path = Request.getPathInContext(request);
    Reply reply;
    try {
      reply = route(request, method, path, started);
    } catch (HttpFailure e) {
      reply = error(method, path, e.status(), e.error(), e.getMessage(), null);
      if (e.lastDeviceBatch() > 0) {
        reply = reply.withField("last_device_batch", e.lastDeviceBatch());
      }
    } catch (ProtocolException e) {
      reply = error(method, path, 400, "bad_request", e.getMessage(), null);
    } catch (AuthException e) {
      reply = error(method, path, 401, "unauthorized", e.getMessage(), null);
    } catch (StorageException e) {
      reply =
          e.isRetriable()
              ? error(
                  method,
                  path,
                  503,
                  "unavailable",
                  "the store is busy or unreachable; retry later",
                  e)
              : error(
                  method,
                  path,
                  500,
                  "internal",
                  "the store failed in a way retrying will not fix; see the server log",
                  e);
    } catch (RuntimeException | IOException e) {
      reply = error(method, path, 500, "internal", "internal server error; see the server log", e);
    }
    response.setStatus(reply.status());
    if (reply.status() >= 400) {
      // The request's body may be unread (a refused token is answered before it is read): say so
      // instead of letting the client reuse a connection the server is about to drop.
      response.getHeaders().put(HttpHeader.CONNECTION, "close");
    }
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.contentType());
    if (reply.contentEncoding() != null) {
      response.getHeaders().put(HttpHeader.CONTENT_ENCODING, reply.contentEncoding());
    }
    if (!method.equals("POST")) {
      // A cache never stores a POST response without explicit freshness: no bytes needed there.
      response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    }
    response.write(true, ByteBuffer.wrap(reply.body()), callback);
    return true;
  }

  private Reply route(Request request, String method, String path, long started)
      throws IOException {
    switch (path) {
      case "/v1/health" -> {
        requireMethod(method, "GET");
        return Reply.json("{\"status\":\"ok\"}");
      }
      case "/v1/schema" -> {
        requireMethod(method, "GET");
        TokenClaims token = authenticate(request);
        SchemaResponse schema =
            SchemaResponse.newBuilder()
                .setSchema(SchemaCodec.toWire(config.schema()))
                .setTenant(token.tenant())
                .setDevice(token.device())
                .setServerHlc(clock.now())
                .setSequence(config.store().currentSequence(token.tenant()))
                .build();
        return Reply.message(schema, responseFormat(request, MessageCodec.Format.JSON));
      }
      case "/v1/push" -> {
        requireMethod(method, "POST");
        TokenClaims token = authenticate(request);
        MessageCodec.Format format = requestFormat(request);
        PushRequest push = readBody(request, PushRequest.getDefaultInstance(), format);
        checkPush(push);
        PushService.Outcome outcome = pushes.push(token, push);
        PushResponse result = outcome.response();
        if (!result.getReplayed()) {
          commits.committed(token.tenant(), result.getSequence());
        }
        metrics.push(
            result.getReplayed(),
            result.getApplied(),
            result.getMerged(),
            result.getRejected(),
            result.getParked());
        if (outcome.skewCapped() > 0) {
          metrics.clockSkewCapped(outcome.skewCapped());
          log.warn(
              "capped {} HLC stamps from tenant={} device={} up to {} ms ahead of the server clock"
                  + " (tolerance {} ms; total capped {})",
              outcome.skewCapped(),
              token.tenant(),
              token.device(),
              outcome.maxAheadMillis(),
              config.clockSkewToleranceMillis(),
              metrics.clockSkewCapped());
        }
        log.info(
            "push tenant={} device={} batch={} changes={} applied={} merged={} rejected={}"
                + " parked={} sequence={} replayed={} in {} ms",
            token.tenant(),
            token.device(),
            MessageCodec.abbreviate(push.getBatchId()),
            push.getChangesCount(),
            result.getApplied(),
            result.getMerged(),
            result.getRejected(),
            result.getParked(),
            result.getSequence(),
            result.getReplayed(),
            elapsedMillis(started));
        return Reply.message(result, responseFormat(request, format));
      }
      case "/v1/pull" -> {
        requireMethod(method, "POST");
        TokenClaims token = authenticate(request);
        MessageCodec.Format format = requestFormat(request);
        PullRequest pull = readBody(request, PullRequest.getDefaultInstance(), format);
        checkPull(pull);
        MessageCodec.Format answer = responseFormat(request, format);
        PullKey key = new PullKey(token, pull, answer);
        String device = token.tenant() + '\u0000' + token.device();
        PulledPage page = ahead == null ? null : ahead.take(device, key);
        if (page != null
            && !page.hasMore()
            && config.store().currentSequence(token.tenant()) > page.sequence()) {
          // A last page ends the device's run at the sequence it was read at: after a commit
          // since, a fresh one ends the run at the head instead of a sync behind it.
          page = null;
        }
        boolean prepared = page != null;
        if (page == null) {
          page = pullPage(key);
        }
        if (ahead != null && page.hasMore()) {
          PullKey following =
              new PullKey(token, PullService.following(pull, page.nextCursor()), answer);
          ahead.prepare(device, following, () -> pullPage(following));
        }
        metrics.pull(page.records());
        log.info(
            "pull tenant={} device={} cursor={} records={} next_cursor={} has_more={}{} in {} ms",
            token.tenant(),
            token.device(),
            pull.getCursor(),
            page.records(),
            page.nextCursor(),
            page.hasMore(),
            prepared ? " prepared=true" : "",
            elapsedMillis(started));
        return page.reply();
      }
      case "/v1/live" -> {
        requireMethod(method, "GET");
        authenticate(request);
        throw HttpFailure.badRequest(
            "/v1/live is a WebSocket endpoint: send GET with Upgrade: websocket");
      }
      case "/v1/verify" -> {
        requireMethod(method, "POST");
        TokenClaims token = authenticate(request);
        MessageCodec.Format format = requestFormat(request);
        VerifyRequest verify = readBody(request, VerifyRequest.getDefaultInstance(), format);
        return Reply.message(recovery.verify(token, verify), responseFormat(request, format));
      }
      case "/v1/records" -> {
        requireMethod(method, "POST");
        TokenClaims token = authenticate(request);
        MessageCodec.Format format = requestFormat(request);
        RecordsRequest records = readBody(request, RecordsRequest.getDefaultInstance(), format);
        return Reply.message(recovery.records(token, records), responseFormat(request, format));
      }
      case "/v1/admin/revoke" -> {
        requireMethod(method, "POST");
        TokenClaims token = authenticate(request);
        String result =
            tokens.revocations().revoke(token, readJsonText(request, "revoking a device"));
        log.info(
            "revoke tenant={} by device={}: {} in {} ms",
            token.tenant(),
            token.device(),
            result,
            elapsedMillis(started));
        return Reply.json(result);
      }
      case "/v1/review" -> {
        requireMethod(method, "GET");
        TokenClaims token = authenticate(request);
        Fields query = Request.extractQueryParameters(request);
        boolean all = booleanParameter(query, "all");
        return Reply.json(reviews.list(token, all));
      }
      default -> {
        if (path.startsWith(REVIEW_PREFIX) && path.endsWith("/resolve")) {
          requireMethod(method, "POST");
          TokenClaims token = authenticate(request);
          String idText =
              path.substring(REVIEW_PREFIX.length(), path.length() - "/resolve".length());
          long id;
          try {
            id = Long.parseLong(idText);
          } catch (NumberFormatException e) {
            throw HttpFailure.notFound(
                "no such path "
                    + MessageCodec.abbreviate(path)
                    + ": the review id must be a"
                    + " number");
          }
          String result =
              reviews.resolve(token, id, readJsonText(request, "resolving a review item"));
          commits.committed(token.tenant(), config.store().currentSequence(token.tenant()));
          log.info(
              "review resolve tenant={} device={} item={} in {} ms",
              token.tenant(),
              token.device(),
              id,
              elapsedMillis(started));
          return Reply.json(result);
        }
        throw HttpFailure.notFound(
            "no such path "
                + MessageCodec.abbreviate(path)
                + "; the API has GET /v1/health, GET /v1/schema, POST /v1/push, POST /v1/pull,"
                + " GET /v1/live (WebSocket), POST /v1/verify, POST /v1/records, GET /v1/review,"
                + " POST /v1/review/{id}/resolve and POST /v1/admin/revoke");
      }
    }
  }

  /** The body of an endpoint that takes only JSON (the admin ones), decompressed if it says so. */
  private String readJsonText(Request request, String what) throws IOException {
    if (requestFormat(request) != MessageCodec.Format.JSON) {
      throw HttpFailure.unsupportedMediaType(what + " takes application/json");
    }
    byte[] body = readRaw(request);
    if (MessageCodec.zstdEncoded(request.getHeaders().get(HttpHeader.CONTENT_ENCODING))) {
      MessageCodec.requireZstdAsDeclared(body, MessageCodec.Format.JSON);
      body = MessageCodec.decompress(body, config.maxBodyBytes());
    }
    return new String(body, StandardCharsets.UTF_8);
  }

  /** Request checks at the edge, before any work: each names the field and the value. */
  private void checkPush(PushRequest push) {
    checkSchemaVersion("push", push.getSchemaVersion());
    if (push.getChangesCount() > config.maxBatchChanges()) {
      throw HttpFailure.badRequest(
          "push carries "
              + push.getChangesCount()
              + " changes, more than the server's limit of "
              + config.maxBatchChanges()
              + " per batch; split it into smaller batches");
    }
  }

  private void checkPull(PullRequest pull) {
    checkSchemaVersion("pull", pull.getSchemaVersion());
    if (pull.getSnapshotSequence() < 0) {
      throw HttpFailure.badRequest(
          "snapshot_sequence must not be negative, found " + pull.getSnapshotSequence());
    }
  }

  /** 0 means unspecified; an older version is fine because schema changes are additive. */
  private void checkSchemaVersion(String what, int version) {
    int served = config.schema().version();
    if (version > served) {
      throw HttpFailure.badRequest(
          what
              + " schema_version "
              + version
              + " is newer than the server's schema version "
              + served
              + "; the device's schema came from another server or a newer schema file");
    }
  }

  private static boolean booleanParameter(Fields query, String name) {
    String value = query.getValue(name);
    if (value == null || value.equalsIgnoreCase("false")) {
      return false;
    }
    if (value.equalsIgnoreCase("true")) {
      return true;
    }
    throw HttpFailure.badRequest(
        "query parameter '"
            + name
            + "' must be true or false, found '"
            + MessageCodec.abbreviate(value)
            + "'");
  }

  private static void requireMethod(String method, String allowed) {
    if (!allowed.equals(method)) {
      throw HttpFailure.methodNotAllowed(
          "method " + MessageCodec.abbreviate(method) + " is not allowed here; use " + allowed);
    }
  }

  private TokenClaims authenticate(Request request) {
    String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    if (header == null || header.isBlank()) {
      throw new AuthException("missing bearer token; send Authorization: Bearer <token>");
    }
    if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new AuthException("the Authorization header must be 'Bearer <token>'");
    }
    return tokens.verify(header.substring(7).trim());
  }

  private static MessageCodec.Format requestFormat(Request request) {
    return MessageCodec.requestFormat(request.getHeaders().get(HttpHeader.CONTENT_TYPE));
  }

  private static MessageCodec.Format responseFormat(
      Request request, MessageCodec.Format requestFormat) {
    return MessageCodec.responseFormat(request.getHeaders().get(HttpHeader.ACCEPT), requestFormat);
  }

  private <T extends Message> T readBody(Request request, T prototype, MessageCodec.Format format)
      throws IOException {
    boolean zstd = MessageCodec.zstdEncoded(request.getHeaders().get(HttpHeader.CONTENT_ENCODING));
    byte[] body = readRaw(request);
    return MessageCodec.read(prototype, format, zstd, body, config.maxBodyBytes());
  }

  /**
   * Reads the body, refusing more than the limit without reading it all. While it reads, the
   * connection's idle timeout is the body read timeout, so a stalled body fails fast with a 408.
   */
  private byte[] readRaw(Request request) throws IOException {
    int limit = config.maxBodyBytes();
    long declared = request.getLength();
    EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
    long idleTimeout = endPoint.getIdleTimeout();
    endPoint.setIdleTimeout(config.bodyReadTimeoutMillis());
    if (declared > limit) {
      try (InputStream in = Content.Source.asInputStream(request)) {
        discard(in, declared);
      } finally {
        endPoint.setIdleTimeout(idleTimeout);
      }
      throw HttpFailure.tooLarge(
          "body of " + declared + " bytes exceeds the limit of " + limit + " bytes");
    }
    ByteArrayOutputStream body =
        new ByteArrayOutputStream(declared > 0 ? (int) declared : 8 * 1024);
    try (InputStream in = Content.Source.asInputStream(request)) {
      byte[] buffer = new byte[16 * 1024];
      int read;
      while ((read = in.read(buffer)) != -1) {
        body.write(buffer, 0, read);
        if (body.size() > limit) {
          discard(in, -1);
          throw HttpFailure.tooLarge("body exceeds the limit of " + limit + " bytes");
        }
      }
      return body.toByteArray();
    } catch (EOFException e) {
      // The client closed before sending the whole body: its fault, not the server's (was a 500).
      throw HttpFailure.badRequest(
          "body ended early: the connection closed before the "
              + (declared >= 0 ? declared + " declared bytes" : "end of the chunked body")
              + " arrived");
    } catch (IOException e) {
      if (!causedByTimeout(e)) {
        throw e;
      }
      // Was a 500 with a stack trace after Jetty's idle timeout.
      throw HttpFailure.requestTimeout(
          "request body stalled: "
              + body.size()
              + (declared >= 0 ? " of " + declared : "")
              + " bytes arrived, then nothing for "
              + durationText(config.bodyReadTimeoutMillis()));
    } finally {
      endPoint.setIdleTimeout(idleTimeout);
    }
  }

  /**
   * Reads and drops what is left of a body that will be refused, up to {@link #MAX_DISCARD_BYTES}:
   * a server that answers and closes while the client is still sending makes the client's TCP stack
   * drop the answer with the connection, and the client sees a reset instead of the 413.
   */
  private void discard(InputStream in, long declared) {
    if (declared > MAX_DISCARD_BYTES) {
      return; // not worth the bandwidth: the client gets a reset, or the 413 if it reads early
    }
    byte[] buffer = new byte[64 * 1024];
    long dropped = 0;
    try {
      int read;
      while (dropped <= MAX_DISCARD_BYTES && (read = in.read(buffer)) != -1) {
        dropped += read;
      }
    } catch (IOException e) {
      log.debug("dropping a refused body ended early: {}", e.toString());
    }
  }

  /** The most bytes of a refused body read only to be dropped (see {@link #discard}). */
  static final long MAX_DISCARD_BYTES = 64L * 1024 * 1024;

  private static boolean causedByTimeout(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof TimeoutException) {
        return true;
      }
    }
    return false;
  }

  private static String durationText(long millis) {
    return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
  }

  private Reply error(
      String method, String path, int status, String error, String message, Throwable cause) {
    metrics.error();
    String where = method + " " + MessageCodec.abbreviate(path);
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
    JsonObject body = new JsonObject();
    body.addProperty("error", error);
    body.addProperty("message", message);
    return new Reply(
        status,
        MessageCodec.JSON + "; charset=utf-8",
        null,
        (body + "\n").getBytes(StandardCharsets.UTF_8));
  }

  private static long elapsedMillis(long started) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
  }

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
