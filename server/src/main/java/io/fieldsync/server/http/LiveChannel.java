package io.fieldsync.server.http;

import com.google.gson.JsonObject;
import io.fieldsync.AuthException;
import io.fieldsync.server.CommitNotifier;
import io.fieldsync.server.ServerMetrics;
import io.fieldsync.server.TokenClaims;
import io.fieldsync.server.TokenService;
import io.fieldsync.server.internal.LiveEndpoint;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
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

  private final TokenService tokens;
  private final io.fieldsync.store.SyncStore store;
  private final FailureReplies failures;
  private final Map<String, Set<Session>> sessions = new ConcurrentHashMap<>();

  public LiveChannel(
      TokenService tokens, io.fieldsync.store.SyncStore store, ServerMetrics metrics) {
    this.tokens = tokens;
    this.store = store;
    this.failures = new FailureReplies(metrics);
  }

  @Override
  public Object createWebSocket(
      ServerUpgradeRequest request,
      ServerUpgradeResponse response,
      org.eclipse.jetty.util.Callback callback) {
    TokenClaims token;
    try {
      String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
      if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
        throw new AuthException("missing bearer token; send Authorization: Bearer <token>");
      }
      token = tokens.verify(header.substring(7).trim());
    } catch (AuthException e) {
      Reply reply = failures.reply("GET", "/v1/live", e);
      response.setStatus(reply.status());
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.contentType());
      response.write(true, ByteBuffer.wrap(reply.body()), callback);
      return null;
    }
    return new LiveEndpoint(session -> opened(token, session), session -> closed(token, session));
  }

  /** Pokes every live device of the tenant. */
  @Override
  public void committed(String tenant, long sequence) {
    Set<Session> open = sessions.get(tenant);
    if (open == null) {
      return;
    }
    String message = poke(sequence);
    for (Session session : open) {
      if (session.isOpen()) {
        session.sendText(message, Callback.NOOP);
      }
    }
  }

  /** Devices connected now. */
  public int connected() {
    int total = 0;
    for (Set<Session> open : sessions.values()) {
      total += open.size();
    }
    return total;
  }

  private static String poke(long sequence) {
    JsonObject poke = new JsonObject();
    poke.addProperty("sequence", sequence);
    return poke.toString();
  }

  private void opened(TokenClaims token, Session session) {
    sessions.compute(
        token.tenant(),
        (tenant, open) -> {
          Set<Session> result = open == null ? ConcurrentHashMap.newKeySet() : open;
          result.add(session);
          return result;
        });
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
    log.debug("live device={} tenant={} disconnected", token.device(), token.tenant());
  }
}
