package io.fieldsync.server.http;

import io.fieldsync.AuthException;
import io.fieldsync.NotFoundException;
import io.fieldsync.ProtocolException;
import io.fieldsync.schema.SchemaCodec;
import io.fieldsync.server.CommitNotifier;
import io.fieldsync.server.MessageText;
import io.fieldsync.server.Revocations;
import io.fieldsync.server.ServerClock;
import io.fieldsync.server.ServerConfig;
import io.fieldsync.server.ServerMetrics;
import io.fieldsync.server.TokenClaims;
import io.fieldsync.server.TokenService;
import io.fieldsync.server.admin.ActivityLog;
import io.fieldsync.server.admin.AdminService;
import io.fieldsync.server.pull.PullPages;
import io.fieldsync.server.push.PushService;
import io.fieldsync.server.recovery.RecoveryService;
import io.fieldsync.server.review.ReviewService;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.RecordsRequest;
import io.fieldsync.wire.SchemaResponse;
import io.fieldsync.wire.VerifyRequest;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The v1 endpoints (docs/protocol.md): each checks its method, authenticates, reads its body and
 * hands it to the domain service, then logs what was done. Row contents are never logged.
 * Thread-safe.
 */
final class Router {
  private static final Logger log = LoggerFactory.getLogger(Router.class);
  private static final String REVIEW_PREFIX = "/v1/review/";
  private static final String RECORDS_PREFIX = "/v1/admin/records/";
  private static final String HISTORY_SUFFIX = "/history";
  private static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final ServerConfig config;
  private final TokenService tokens;
  private final Revocations revocations;
  private final PushService pushes;
  private final PullPages<MessageCodec.Format, Reply> pulls;
  private final ReviewService reviews;
  private final RecoveryService recovery;
  private final CommitNotifier commits;
  private final ServerClock clock;
  private final ServerMetrics metrics;
  private final RequestBody body;
  private final StoreReadiness readiness;
  private final ActivityLog activity;
  private final AdminService admin;
  private final AdminAssets assets = new AdminAssets();

  Router(SyncHandler.Services services, PullPages<MessageCodec.Format, Reply> pulls) {
    this.config = services.config();
    this.tokens = services.tokens();
    this.revocations = services.revocations();
    this.pushes = services.pushes();
    this.pulls = pulls;
    this.reviews = services.reviews();
    this.recovery = services.recovery();
    this.commits = services.commits();
    this.clock = services.clock();
    this.metrics = services.metrics();
    this.body = new RequestBody(config);
    this.readiness = new StoreReadiness(config.store(), StoreReadiness.TIMEOUT);
    this.activity = services.activity();
    this.admin = new AdminService(config.store(), config.schema(), activity, config.wallClock());
  }

  /** The endpoint a path is timed under: the API's paths, with review ids left out. */
  static String endpoint(String path) {
    return switch (path) {
      case "/v1/health",
          "/v1/ready",
          "/v1/schema",
          "/v1/push",
          "/v1/pull",
          "/v1/live",
          "/v1/verify",
          "/v1/records",
          "/v1/admin/revoke",
          "/v1/admin/devices",
          "/v1/admin/overview",
          "/v1/review",
          "/metrics" ->
          path;
      default -> {
        if (path.startsWith(REVIEW_PREFIX) && path.endsWith("/resolve")) {
          yield "/v1/review/{id}/resolve";
        }
        if (path.startsWith(RECORDS_PREFIX) && path.endsWith(HISTORY_SUFFIX)) {
          yield "/v1/admin/records/{table}/{id}/history";
        }
        yield AdminAssets.serves(path) ? "/admin" : "other";
      }
    };
  }

  /** Stops the readiness check's thread. */
  void close() {
    readiness.close();
  }

  Reply route(Incoming request, String method, String path, long started) throws IOException {
    switch (path) {
      case "/v1/health" -> {
        requireMethod(method, "GET");
        return Reply.json(metrics.health());
      }
      case "/v1/ready" -> {
        requireMethod(method, "GET");
        return readiness.reply();
      }
      case "/metrics" -> {
        requireMethod(method, "GET");
        return Reply.text(metrics.scrape(), METRICS_CONTENT_TYPE);
      }
      case "/v1/schema" -> {
        requireMethod(method, "GET");
        return schema(request);
      }
      case "/v1/push" -> {
        requireMethod(method, "POST");
        return push(request, started);
      }
      case "/v1/pull" -> {
        requireMethod(method, "POST");
        return pull(request, started);
      }
      case "/v1/live" -> {
        requireMethod(method, "GET");
        authenticate(request);
        throw new ProtocolException(
            "/v1/live is a WebSocket endpoint: send GET with Upgrade: websocket");
      }
      case "/v1/verify" -> {
        requireMethod(method, "POST");
        TokenClaims token = authenticate(request);
        MessageCodec.Format format = RequestBody.format(request);
        VerifyRequest verify = body.message(request, VerifyRequest.getDefaultInstance(), format);
        return Reply.message(
            recovery.verify(token, verify), RequestBody.responseFormat(request, format));
      }
      case "/v1/records" -> {
        requireMethod(method, "POST");
        TokenClaims token = authenticate(request);
        MessageCodec.Format format = RequestBody.format(request);
        RecordsRequest records = body.message(request, RecordsRequest.getDefaultInstance(), format);
        return Reply.message(
            recovery.records(token, records), RequestBody.responseFormat(request, format));
      }
      case "/v1/admin/revoke" -> {
        requireMethod(method, "POST");
        return revoke(request, started);
      }
      case "/v1/review" -> {
        requireMethod(method, "GET");
        TokenClaims token = authenticate(request);
        boolean all = booleanParameter(request, "all");
        return Reply.json(reviews.list(token, all));
      }
      case "/v1/admin/devices" -> {
        requireMethod(method, "GET");
        return Reply.json(admin.devices(authenticate(request)));
      }
      case "/v1/admin/overview" -> {
        requireMethod(method, "GET");
        return Reply.json(admin.overview(authenticate(request)));
      }
      default -> {
        if (path.startsWith(REVIEW_PREFIX) && path.endsWith("/resolve")) {
          requireMethod(method, "POST");
          return resolve(request, path, started);
        }
        if (path.startsWith(RECORDS_PREFIX) && path.endsWith(HISTORY_SUFFIX)) {
          requireMethod(method, "GET");
          return history(request, path);
        }
        if (AdminAssets.serves(path)) {
          requireMethod(method, "GET");
          return assets.reply(path);
        }
        throw new NotFoundException(
            "no such path "
                + MessageText.abbreviate(path)
                + "; the API has GET /v1/health, GET /v1/ready, GET /metrics, GET /v1/schema, POST /v1/push, POST /v1/pull,"
                + " GET /v1/live (WebSocket), POST /v1/verify, POST /v1/records, GET /v1/review,"
                + " POST /v1/review/{id}/resolve, POST /v1/admin/revoke, GET /v1/admin/devices,"
                + " GET /v1/admin/overview, GET /v1/admin/records/{table}/{id}/history and the"
                + " console at GET /admin");
      }
    }
  }

  private Reply schema(Incoming request) {
    TokenClaims token = authenticate(request);
    SchemaResponse schema =
        SchemaResponse.newBuilder()
            .setSchema(SchemaCodec.toWire(config.schema()))
            .setTenant(token.tenant())
            .setDevice(token.device())
            .setServerHlc(clock.now())
            .setSequence(config.store().currentSequence(token.tenant()))
            .build();
    return Reply.message(schema, RequestBody.responseFormat(request, MessageCodec.Format.JSON));
  }

  private Reply push(Incoming request, long started) throws IOException {
    TokenClaims token = authenticate(request);
    MessageCodec.Format format = RequestBody.format(request);
    PushRequest push = body.message(request, PushRequest.getDefaultInstance(), format);
    PushService.Outcome outcome;
    try {
      outcome = pushes.push(token, push);
    } catch (RuntimeException e) {
      activity.refused(token, "push", e);
      throw e;
    }
    PushResponse result = outcome.response();
    activity.pushed(token, push, result);
    if (!result.getReplayed()) {
      commits.committed(token.tenant(), result.getSequence());
    }
    metrics.push(token.tenant(), push, result);
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
    if (!result.getVerifyReason().isEmpty()) {
      metrics.verifyRequested(token.tenant());
      log.warn(
          "asked tenant={} device={} to verify its rows: {}",
          token.tenant(),
          token.device(),
          result.getVerifyReason());
    }
    log.info(
        "push tenant={} device={} batch={} changes={} applied={} merged={} rejected={}"
            + " parked={} sequence={} replayed={} in {} ms",
        token.tenant(),
        token.device(),
        MessageText.abbreviate(push.getBatchId()),
        push.getChangesCount(),
        result.getApplied(),
        result.getMerged(),
        result.getRejected(),
        result.getParked(),
        result.getSequence(),
        result.getReplayed(),
        elapsedMillis(started));
    return Reply.message(result, RequestBody.responseFormat(request, format));
  }

  private Reply pull(Incoming request, long started) throws IOException {
    TokenClaims token = authenticate(request);
    MessageCodec.Format format = RequestBody.format(request);
    PullRequest pull = body.message(request, PullRequest.getDefaultInstance(), format);
    PullPages.Page<Reply> page;
    try {
      page = pulls.pull(token, pull, RequestBody.responseFormat(request, format));
    } catch (RuntimeException e) {
      activity.refused(token, "pull", e);
      throw e;
    }
    activity.pulled(
        token,
        page.nextCursor(),
        page.records(),
        pull.hasPendingChanges() ? pull.getPendingChanges() : -1);
    metrics.pull(token.tenant(), page.records(), pull.getSnapshot());
    log.info(
        "pull tenant={} device={} cursor={} records={} next_cursor={} has_more={}{} in {} ms",
        token.tenant(),
        token.device(),
        pull.getCursor(),
        page.records(),
        page.nextCursor(),
        page.hasMore(),
        page.prepared() ? " prepared=true" : "",
        elapsedMillis(started));
    return page.encoded();
  }

  private Reply revoke(Incoming request, long started) throws IOException {
    TokenClaims token = authenticate(request);
    String result = revocations.revoke(token, body.jsonText(request, "revoking a device"));
    log.info(
        "revoke tenant={} by device={}: {} in {} ms",
        token.tenant(),
        token.device(),
        result,
        elapsedMillis(started));
    return Reply.json(result);
  }

  private Reply resolve(Incoming request, String path, long started) throws IOException {
    TokenClaims token = authenticate(request);
    String idText = path.substring(REVIEW_PREFIX.length(), path.length() - "/resolve".length());
    long id;
    try {
      id = Long.parseLong(idText);
    } catch (NumberFormatException e) {
      throw new NotFoundException(
          "no such path " + MessageText.abbreviate(path) + ": the review id must be a number");
    }
    String result = reviews.resolve(token, id, body.jsonText(request, "resolving a review item"));
    commits.committed(token.tenant(), config.store().currentSequence(token.tenant()));
    log.info(
        "review resolve tenant={} device={} item={} in {} ms",
        token.tenant(),
        token.device(),
        id,
        elapsedMillis(started));
    return Reply.json(result);
  }

  private Reply history(Incoming request, String path) {
    TokenClaims token = authenticate(request);
    String rest = path.substring(RECORDS_PREFIX.length(), path.length() - HISTORY_SUFFIX.length());
    int slash = rest.indexOf('/');
    if (slash <= 0 || slash == rest.length() - 1) {
      throw new NotFoundException(
          "no such path "
              + MessageText.abbreviate(path)
              + "; a record's history is at /v1/admin/records/{table}/{id}/history");
    }
    return Reply.json(admin.history(token, rest.substring(0, slash), rest.substring(slash + 1)));
  }

  private static boolean booleanParameter(Incoming request, String name) {
    String value = request.queryParameter(name);
    if (value == null || value.equalsIgnoreCase("false")) {
      return false;
    }
    if (value.equalsIgnoreCase("true")) {
      return true;
    }
    throw new ProtocolException(
        "query parameter '"
            + name
            + "' must be true or false, found '"
            + MessageText.abbreviate(value)
            + "'");
  }

  private static void requireMethod(String method, String allowed) {
    if (!allowed.equals(method)) {
      throw HttpFailure.methodNotAllowed(
          "method " + MessageText.abbreviate(method) + " is not allowed here; use " + allowed);
    }
  }

  private TokenClaims authenticate(Incoming request) {
    String header = request.header(HttpHeader.AUTHORIZATION);
    if (header == null || header.isBlank()) {
      throw new AuthException("missing bearer token; send Authorization: Bearer <token>");
    }
    if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new AuthException("the Authorization header must be 'Bearer <token>'");
    }
    return tokens.verify(header.substring(7).trim());
  }

  private static long elapsedMillis(long started) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
  }
}
