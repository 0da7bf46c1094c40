package io.fieldsync.server.http;

import io.fieldsync.server.CommitNotifier;
import io.fieldsync.server.Revocations;
import io.fieldsync.server.ServerClock;
import io.fieldsync.server.ServerConfig;
import io.fieldsync.server.ServerMetrics;
import io.fieldsync.server.TokenService;
import io.fieldsync.server.admin.ActivityLog;
import io.fieldsync.server.pull.PullAhead;
import io.fieldsync.server.pull.PullPages;
import io.fieldsync.server.pull.PullService;
import io.fieldsync.server.push.PushService;
import io.fieldsync.server.recovery.RecoveryService;
import io.fieldsync.server.review.ReviewService;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.MDC;

/**
 * The server's Jetty handler: routes each request (see {@link Router}), turns any failure into its
 * documented JSON error (see {@link FailureReplies}) and writes the reply. It also knows which
 * connections are busy, so a shutdown closes only the idle ones. Not API: public for the server's
 * wiring only.
 */
public final class SyncHandler extends Handler.Abstract {
  /** What the endpoints hand their requests to. */
  public record Services(
      ServerConfig config,
      TokenService tokens,
      Revocations revocations,
      PushService pushes,
      PullService pulls,
      ReviewService reviews,
      RecoveryService recovery,
      CommitNotifier commits,
      ServerClock clock,
      ServerMetrics metrics,
      ActivityLog activity) {}

  private final PullPages<MessageCodec.Format, Reply> pulls;
  private final Router router;
  private final FailureReplies failures;
  private final ServerMetrics metrics;
  private final RequestIds requestIds = new RequestIds();

  /** Connections with a request being handled; the others are idle and can close at shutdown. */
  private final Set<Connection> handling = ConcurrentHashMap.newKeySet();

  public SyncHandler(Services services) {
    this.pulls =
        new PullPages<>(
            services.pulls(),
            services.config().store(),
            services.config().pullAheadThreads(),
            new PullPages.Encoding<>() {
              @Override
              public boolean packs(MessageCodec.Format format) {
                return format == MessageCodec.Format.PROTOBUF;
              }

              @Override
              public Reply encode(
                  io.fieldsync.wire.PullResponse response, MessageCodec.Format format) {
                return Reply.message(response, format);
              }
            });
    this.router = new Router(services, pulls);
    this.failures = new FailureReplies(services.metrics());
    this.metrics = services.metrics();
  }

  /** The pull pages prepared ahead, or null when that is off. */
  public PullAhead<?, ?> pullAhead() {
    return pulls.ahead();
  }

  /** Stops preparing pull pages and the readiness check's thread. */
  public void close() {
    pulls.close();
    router.close();
  }

  /** A reply to an {@linkplain #exchange in-process request}: status, headers and body bytes. */
  public record Answer(int status, String contentType, String contentEncoding, byte[] body) {}

  /**
   * Answers one request handed over in process, without HTTP: the same decoding, authentication,
   * dispatch and error replies as a request through Jetty. For a server run inside a deterministic
   * simulation, on the caller's thread.
   *
   * @param path the path, without a query
   * @param headers request headers by name (Authorization, Content-Type, Content-Encoding, Accept)
   */
  public Answer exchange(String method, String path, Map<String, String> headers, byte[] body) {
    Reply reply;
    try {
      reply = router.route(Incoming.of(headers, body), method, path, System.nanoTime());
    } catch (RuntimeException | IOException e) {
      reply = failures.reply(method, path, e);
    }
    return new Answer(reply.status(), reply.contentType(), reply.contentEncoding(), reply.body());
  }

  /** Whether a request on this connection is being handled or its response is being written. */
  public boolean isHandling(Connection connection) {
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
    String requestId = requestIds.of(request.getHeaders().get(RequestIds.HEADER));
    Reply reply;
    MDC.put(RequestIds.MDC_KEY, requestId);
    try {
      reply = router.route(Incoming.of(request), method, path, started);
    } catch (RuntimeException | IOException e) {
      reply = failures.reply(method, path, e);
    } finally {
      MDC.remove(RequestIds.MDC_KEY);
    }
    metrics.request(Router.endpoint(path), reply.status(), System.nanoTime() - started);
    response.getHeaders().put(RequestIds.HEADER, requestId);
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
    if (AdminAssets.serves(path)) {
      AdminAssets.secure(response.getHeaders());
    }
    if (!method.equals("POST")) {
      // A cache never stores a POST response without explicit freshness: no bytes needed there.
      response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    }
    response.write(true, ByteBuffer.wrap(reply.body()), callback);
    return true;
  }
}
