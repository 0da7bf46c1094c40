package io.fieldsync.server;

import io.fieldsync.server.admin.ActivityLog;
import io.fieldsync.server.http.SyncHandler;
import java.util.Map;

/**
 * One server node without a network: the services and handler of a {@link SyncServer} over its
 * store, answering requests handed to it on the caller's thread ({@link #exchange}). The
 * deterministic simulation runs its nodes this way, so every request goes through the server's real
 * decoding, authentication, dispatch and error replies, in an order the simulation chooses. No live
 * channel, no tombstone purger, no pull pages prepared on other threads (set {@code
 * pullAheadThreads(0)} for that).
 *
 * <p>Not thread-safe: one caller at a time. {@link #close()} leaves the store open.
 */
public final class InProcessNode implements AutoCloseable {
  private final ServerMetrics metrics;
  private final TokenService tokens;
  private final SyncHandler handler;
  private final ActivityLog activity;

  private InProcessNode(ServerConfig config) {
    SyncServer.prepareStore(config);
    this.metrics = new ServerMetrics(config.schema());
    ServerClock clock = new ServerClock(config.wallClock(), config.clockSkewToleranceMillis());
    Revocations revocations = new Revocations(config.store(), config.wallClock());
    this.tokens =
        new TokenService(config.secret(), config.previousSecret(), config.wallClock(), revocations);
    this.activity = new ActivityLog(config.store(), config.schema(), config.wallClock());
    this.handler = SyncServer.handler(config, tokens, revocations, clock, metrics, activity);
  }

  /**
   * Migrates the store to the configured schema and starts answering.
   *
   * @throws io.fieldsync.ConfigException when the store cannot be migrated
   * @throws io.fieldsync.StorageException when the store fails
   */
  public static InProcessNode start(ServerConfig config) {
    return new InProcessNode(config);
  }

  /**
   * Answers one request as the HTTP server would: status, content type and encoding, body.
   *
   * @param path the request path, such as {@code /v1/push}
   * @param headers request headers by name
   */
  public SyncHandler.Answer exchange(
      String method, String path, Map<String, String> headers, byte[] body) {
    return handler.exchange(method, path, headers, body);
  }

  /** The token service of this node's secret and clock. */
  public TokenService tokens() {
    return tokens;
  }

  public ServerMetrics metrics() {
    return metrics;
  }

  @Override
  public void close() {
    handler.close();
    activity.flush();
  }
}
