package io.fieldsync.server.http;

import com.google.gson.JsonObject;
import io.fieldsync.AuthException;
import io.fieldsync.server.CommitNotifier;
import io.fieldsync.server.ServerMetrics;
import io.fieldsync.server.TokenClaims;
import io.fieldsync.server.TokenService;
import io.fieldsync.server.admin.ActivityLog;
import io.fieldsync.server.internal.LiveEndpoint;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.eclipse.jetty.websocket.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.server.WebSocketCreator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/live}: a WebSocket per online device, over which the server pokes the device with
 * {@code {"sequence":N}} whenever its tenant's sequence advances; the device then pulls. The
 * message carries no data, so a lost or doubled poke costs at most one empty pull.
 *
 * <p>No thread is held per device: sessions are Jetty NIO endpoints kept in one map tenant →
 * sessions, and a poke is an asynchronous send. Thread-safe. Not API: public for the server's
 * wiring only.
 */
public final class LiveChannel implements WebSocketCreator, CommitNotifier {
  private static final Logger log = LoggerFactory.getLogger(LiveChannel.class);

  /** A WebSocket close frame holds at most 123 bytes of reason. */
  private static final int MAX_CLOSE_REASON_BYTES = 123;

  private final TokenService tokens;
  private final io.fieldsync.store.SyncStore store;
  private final FailureReplies failures;
  private final ActivityLog activity;

  /** Tenant → open sessions → the bearer token each opened with, checked again while open. */
  private final Map<String, Map<Session, String>> sessions = new ConcurrentHashMap<>();

  public LiveChannel(
      TokenService tokens,
      io.fieldsync.store.SyncStore store,
      ServerMetrics metrics,
      ActivityLog activity) {
    this.tokens = tokens;
    this.store = store;
    this.failures = new FailureReplies(metrics);
    this.activity = activity;
  }

  @Override
  public Object createWebSocket(
      ServerUpgradeRequest request,
      ServerUpgradeResponse response,
      org.eclipse.jetty.util.Callback callback) {
    TokenClaims token;
    String bearer;
    try {
      String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
      if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
        throw new AuthException("missing bearer token; send Authorization: Bearer <token>");
      }
      bearer = header.substring(7).trim();
      token = tokens.verify(bearer);
    } catch (AuthException e) {
      Reply reply = failures.reply("GET", "/v1/live", e);
      response.setStatus(reply.status());
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.contentType());
      response.write(true, ByteBuffer.wrap(reply.body()), callback);
      return null;
    }
    return new LiveEndpoint(
        session -> opened(token, bearer, session), session -> closed(token, session));
  }

  /** Pokes every live device of the tenant. */
  @Override
  public void committed(String tenant, long sequence) {
    Map<Session, String> open = sessions.get(tenant);
    if (open == null) {
      return;
    }
    String message = poke(sequence);
    for (Session session : open.keySet()) {
      if (session.isOpen()) {
        session.sendText(message, Callback.NOOP);
      }
    }
  }

  /** Devices connected now. */
  public int connected() {
    int total = 0;
    for (Map<Session, String> open : sessions.values()) {
      total += open.size();
    }
    return total;
  }

  private static String poke(long sequence) {
    JsonObject poke = new JsonObject();
    poke.addProperty("sequence", sequence);
    return poke.toString();
  }

  /**
   * Checks the token of every open socket again, every {@code period} while {@code scheduler} runs,
   * and closes the sockets whose token is refused now (revoked, expired) with 1008 and the reason.
   * A revocation on this node is seen at the next check; one on another node once {@link
   * io.fieldsync.server.Revocations} reads the store again.
   */
  public void recheckTokensEvery(Scheduler scheduler, Duration period) {
    scheduler.schedule(
        () -> {
          try {
            recheckTokens();
          } finally {
            if (scheduler.isRunning()) {
              recheckTokensEvery(scheduler, period);
            }
          }
        },
        period.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private void recheckTokens() {
    for (Map<Session, String> open : sessions.values()) {
      for (Map.Entry<Session, String> socket : open.entrySet()) {
        try {
          tokens.verify(socket.getValue());
        } catch (AuthException refused) {
          String reason = refused.getMessage();
          if (reason.getBytes(StandardCharsets.UTF_8).length > MAX_CLOSE_REASON_BYTES) {
            reason = "the token is no longer accepted (revoked or expired); get a new one";
          }
          log.info("live socket closed: {}", refused.getMessage());
          socket.getKey().close(StatusCode.POLICY_VIOLATION, reason, Callback.NOOP);
        } catch (RuntimeException e) {
          log.warn("checking the token of a live socket failed: {}", e.toString());
        }
      }
    }
  }

  private void opened(TokenClaims token, String bearer, Session session) {
    sessions.compute(
        token.tenant(),
        (tenant, open) -> {
          Map<Session, String> result = open == null ? new ConcurrentHashMap<>() : open;
          result.put(session, bearer);
          return result;
        });
    activity.liveOpened(token);
    log.debug("live device={} tenant={} connected", token.device(), token.tenant());
    // The device may have missed commits between its last pull and now: tell it where we are.
    try {
      session.sendText(poke(store.currentSequence(token.tenant())), Callback.NOOP);
    } catch (RuntimeException e) {
      log.warn(
          "reading the sequence of tenant={} for a live device failed: {}",
          token.tenant(),
          e.toString());
    }
  }

  private void closed(TokenClaims token, Session session) {
    sessions.computeIfPresent(
        token.tenant(),
        (tenant, open) -> {
          open.remove(session);
          return open.isEmpty() ? null : open;
        });
    activity.liveClosed(token);
    log.debug("live device={} tenant={} disconnected", token.device(), token.tenant());
  }
}
