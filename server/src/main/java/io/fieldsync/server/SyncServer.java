package io.fieldsync.server;

import io.fieldsync.ConfigException;
import io.fieldsync.StorageException;
import io.fieldsync.server.admin.ActivityFlusher;
import io.fieldsync.server.admin.ActivityLog;
import io.fieldsync.server.http.JsonErrorHandler;
import io.fieldsync.server.http.LiveChannel;
import io.fieldsync.server.http.SyncHandler;
import io.fieldsync.server.pull.PullAhead;
import io.fieldsync.server.pull.PullService;
import io.fieldsync.server.push.PushService;
import io.fieldsync.server.push.ScopeBackfill;
import io.fieldsync.server.recovery.RecoveryService;
import io.fieldsync.server.review.ReviewService;
import io.fieldsync.store.CommitListener;
import io.micrometer.core.instrument.Gauge;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fieldsync sync server: the v1 HTTP API of docs/protocol.md on Jetty, over one {@link
 * io.fieldsync.store.SyncStore}.
 *
 * <pre>{@code
 * ServerConfig config = ServerConfig.builder(store, schema, secret).port(0).build();
 * try (SyncServer server = SyncServer.start(config)) {
 *   URI base = server.uri();   // http://127.0.0.1:PORT
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} stops the HTTP server; the store stays open (its owner closes
 * it).
 */
public final class SyncServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SyncServer.class);

  /** A live socket with no traffic this long is closed; devices ping well within it. */
  static final Duration LIVE_IDLE_TIMEOUT = Duration.ofMinutes(2);

  private final ServerConfig config;
  private final Server jetty;
  private final ServerConnector connector;
  private final ServerMetrics metrics;
  private final TokenService tokens;
  private final SyncHandler handler;

  /** How often open live sockets have their token checked again (revocation, expiry). */
  private static final Duration LIVE_TOKEN_RECHECK = Duration.ofMillis(500);

  private final LiveChannel live;
  private final CommitListener.Registration commits;
  private final ScheduledExecutorService purger;
  private final ActivityFlusher activity;

  private SyncServer(
      ServerConfig config,
      Server jetty,
      ServerConnector connector,
      ServerMetrics metrics,
      TokenService tokens,
      SyncHandler handler,
      LiveChannel live,
      CommitListener.Registration commits,
      ActivityFlusher activity) {
    this.config = config;
    this.jetty = jetty;
    this.connector = connector;
    this.metrics = metrics;
    this.tokens = tokens;
    this.handler = handler;
    this.live = live;
    this.commits = commits;
    this.activity = activity;
    this.purger = config.purgeIntervalMillis() > 0 ? startPurger() : null;
  }

  /**
   * Migrates the store to the configured schema and brings stored records in line with its scope
   * definition ({@link ScopeBackfill}), one node of the database at a time.
   */
  static void prepareStore(ServerConfig config) {
    config
        .store()
        .migrate(
            config.schema(),
            () ->
                ScopeBackfill.run(config.store(), config.schema(), config.wallClock().getAsLong()));
  }

  /**
   * Migrates the store to the configured schema and starts serving.
   *
   * @throws ConfigException when the store cannot be migrated or the port cannot be bound
   * @throws StorageException when the store fails
   */
  public static SyncServer start(ServerConfig config) {
    prepareStore(config);
    ServerMetrics metrics = new ServerMetrics(config.schema());
    ServerClock clock = new ServerClock(config.wallClock(), config.clockSkewToleranceMillis());
    Revocations revocations = new Revocations(config.store(), config.wallClock());
    TokenService tokens =
        new TokenService(config.secret(), config.previousSecret(), config.wallClock(), revocations);
    QueuedThreadPool threads = new QueuedThreadPool(64, 4);
    threads.setName("fieldsync-http");
    Server jetty = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendDateHeader(true);
    ServerConnector connector = connector(jetty, http, config.tls());
    connector.setHost(config.host());
    connector.setPort(config.port());
    jetty.addConnector(connector);
    ActivityLog activity = new ActivityLog(config.store(), config.schema(), config.wallClock());
    LiveChannel live = new LiveChannel(tokens, config.store(), metrics, activity);
    Gauge.builder("fieldsync.live.connections", live, LiveChannel::connected)
        .description("Devices holding a live channel (WebSocket) to this node")
        .register(metrics.registry());
    config.store().bindMetrics(metrics.registry());
    // The store's commit notifications: on PostgreSQL they carry commits of every node, so a device
    // connected here hears pushes that went through another node.
    CommitListener.Registration commits = config.store().onCommit(live::committed);
    SyncHandler handler = handler(config, tokens, revocations, clock, metrics, activity);
    WebSocketUpgradeHandler upgrades =
        WebSocketUpgradeHandler.from(
            jetty,
            container -> {
              container.setIdleTimeout(LIVE_IDLE_TIMEOUT);
              container.addMapping("/v1/live", live);
            });
    upgrades.setHandler(handler);
    jetty.setHandler(upgrades);
    jetty.setErrorHandler(new JsonErrorHandler());
    jetty.setStopTimeout(5_000);
    try {
      jetty.start();
      live.recheckTokensEvery(jetty.getScheduler(), LIVE_TOKEN_RECHECK);
    } catch (Exception e) {
      try {
        jetty.stop();
      } catch (Exception stop) {
        e.addSuppressed(stop);
      }
      commits.close();
      handler.close();
      config.store().unbindMetrics(metrics.registry());
      metrics.close();
      throw new ConfigException(
          "cannot start the server on "
              + config.host()
              + ":"
              + config.port()
              + ": "
              + e.getMessage(),
          e);
    }
    SyncServer server =
        new SyncServer(
            config,
            jetty,
            connector,
            metrics,
            tokens,
            handler,
            live,
            commits,
            new ActivityFlusher(activity, config.activitySaveMillis()));
    // TLS first: the listening line is what scripts and tests wait for.
    if (config.tls() != null) {
      X509Certificate certificate = config.tls().certificate();
      log.info(
          "TLS from {}: certificate {} valid until {}, protocols {}",
          config.tls().source(),
          certificate.getSubjectX500Principal(),
          certificate.getNotAfter().toInstant(),
          ServerTls.PROTOCOLS);
      if (certificate.getNotAfter().getTime() < config.wallClock().getAsLong()) {
        log.warn(
            "the TLS certificate expired at {}: devices refuse it until it is renewed",
            certificate.getNotAfter().toInstant());
      }
    }
    log.info(
        "fieldsync server listening on {} store={} schema=v{} tables={} clock-skew-tolerance={}ms"
            + " max-body={}B",
        server.uri(),
        config.storeLocation(),
        config.schema().version(),
        config.schema().tables().keySet(),
        config.clockSkewToleranceMillis(),
        config.maxBodyBytes());
    log.info("admin console at {}/admin (sign in with a token of role admin)", server.uri());
    return server;
  }

  /** The request handling of one node: its services over the configured store. */
  static SyncHandler handler(
      ServerConfig config,
      TokenService tokens,
      Revocations revocations,
      ServerClock clock,
      ServerMetrics metrics,
      ActivityLog activity) {
    return new SyncHandler(
        new SyncHandler.Services(
            config,
            tokens,
            revocations,
            new PushService(config.store(), config.schema(), clock, config.maxBatchChanges()),
            new PullService(
                config.store(),
                config.schema(),
                clock,
                config.defaultPullLimit(),
                config.maxPullLimit()),
            new ReviewService(config.store(), config.schema(), clock),
            new RecoveryService(config.store(), config.schema(), clock),
            CommitNotifier.NONE,
            clock,
            metrics,
            activity));
  }

  /** A connector speaking plain HTTP, or only TLS when the server has a TLS identity. */
  private static ServerConnector connector(Server jetty, HttpConfiguration http, ServerTls tls) {
    if (tls == null) {
      return new ServerConnector(jetty, new HttpConnectionFactory(http));
    }
    SecureRequestCustomizer secure = new SecureRequestCustomizer();
    // One certificate serves every name the server is reached by (an address, several names).
    secure.setSniHostCheck(false);
    http.addCustomizer(secure);
    return new ServerConnector(
        jetty,
        new SslConnectionFactory(tls.contextFactory(), HttpVersion.HTTP_1_1.asString()),
        new HttpConnectionFactory(http));
  }

  /** The bound port (the real one when the configured port was 0). */
  public int port() {
    return connector.getLocalPort();
  }

  /**
   * The base URI, e.g. {@code http://127.0.0.1:8787}, {@code https://…} with TLS; endpoints are
   * under {@code /v1}.
   */
  public URI uri() {
    String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
    return URI.create((config.tls() == null ? "http" : "https") + "://" + host + ":" + port());
  }

  public ServerConfig config() {
    return config;
  }

  public ServerMetrics metrics() {
    return metrics;
  }

  /** The token service of this server's secret and clock. */
  public TokenService tokens() {
    return tokens;
  }

  /**
   * Where commits are announced to live devices. The server calls it after its own pushes and
   * review resolutions; a store that hears other nodes' commits can call it too.
   */
  public CommitNotifier commitNotifier() {
    return live;
  }

  /** Devices holding a live channel to this node now. */
  public int liveDevices() {
    return live.connected();
  }

  /**
   * Removes tombstones older than the configured horizon now (the server also does it every purge
   * interval).
   *
   * @return how many were removed
   * @throws StorageException when the store fails
   */
  public long purgeTombstones() {
    long removed =
        config
            .store()
            .purgeTombstones(config.wallClock().getAsLong(), config.tombstoneHorizonMillis());
    metrics.purged(removed);
    if (removed > 0) {
      log.info("purged {} tombstones older than {} ms", removed, config.tombstoneHorizonMillis());
    }
    return removed;
  }

  private ScheduledExecutorService startPurger() {
    ScheduledExecutorService executor =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "fieldsync-purge");
              thread.setDaemon(true);
              return thread;
            });
    long interval = config.purgeIntervalMillis();
    executor.scheduleWithFixedDelay(
        () -> {
          try {
            purgeTombstones();
          } catch (RuntimeException e) {
            metrics.purgeFailed();
            log.warn("purging tombstones failed; retrying in {} ms: {}", interval, e.toString());
          }
        },
        interval,
        interval,
        TimeUnit.MILLISECONDS);
    return executor;
  }

  /** The pull pages prepared ahead, or null when that is off (for tests). */
  PullAhead<?, ?> pullAhead() {
    return handler.pullAhead();
  }

  /** Stops accepting requests and waits briefly for those in flight. Idempotent. */
  @Override
  public void close() {
    if (purger != null) {
      purger.shutdownNow();
    }
    commits.close();
    int port = connector.getLocalPort();
    try {
      closeIdleConnections();
      jetty.stop();
      log.info("fieldsync server on port {} stopped", port);
    } catch (Exception e) {
      log.warn("stopping the HTTP server failed: {}", e.toString());
    }
    handler.close();
    activity.close();
    config.store().unbindMetrics(metrics.registry());
    metrics.close();
  }

  /**
   * A graceful Jetty stop lowers every open connection's idle timeout to 1 s and waits for it to
   * expire: each kept-alive device connection (the JDK client keeps them open) cost a second and
   * ended in an "Idle timeout expired" failure. Instead, stop accepting, close connections as soon
   * as no request is being handled on them, and give requests in flight up to the stop timeout.
   */
  private void closeIdleConnections() {
    connector.setAccepting(false);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(jetty.getStopTimeout());
    while (true) {
      boolean busy = false;
      for (EndPoint endPoint : connector.getConnectedEndPoints()) {
        if (handler.isHandling(endPoint.getConnection())) {
          busy = true;
        } else {
          endPoint.close();
        }
      }
      if (!busy || System.nanoTime() > deadline) {
        return;
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
