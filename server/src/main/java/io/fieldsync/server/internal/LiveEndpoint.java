package io.fieldsync.server.internal;

import java.util.function.Consumer;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device's live socket. Public only because Jetty binds endpoint methods through public
 * lookups; not API.
 */
public final class LiveEndpoint extends Session.Listener.AbstractAutoDemanding {
  private static final Logger LOG = LoggerFactory.getLogger(LiveEndpoint.class);

  private final Consumer<Session> opened;
  private final Consumer<Session> closed;

  public LiveEndpoint(Consumer<Session> opened, Consumer<Session> closed) {
    this.opened = opened;
    this.closed = closed;
  }

  @Override
  public void onWebSocketOpen(Session session) {
    super.onWebSocketOpen(session);
    opened.accept(session);
  }

  /** A socket cut by the device or the network: the close callback cleans up. */
  @Override
  public void onWebSocketError(Throwable cause) {
    LOG.debug("live socket failed: {}", cause.toString());
  }

  @Override
  public void onWebSocketClose(int statusCode, String reason) {
    closed.accept(getSession());
  }
}
