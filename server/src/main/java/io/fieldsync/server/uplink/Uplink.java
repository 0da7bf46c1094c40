package io.fieldsync.server.uplink;

import com.google.gson.JsonObject;
import io.fieldsync.AuthException;
import io.fieldsync.ConfigException;
import io.fieldsync.SyncException;
import io.fieldsync.client.Backoff;
import io.fieldsync.client.transport.LiveSocket;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.server.SyncServer;
import io.fieldsync.store.CommitListener;
import io.fieldsync.store.SyncStore;
import io.fieldsync.wire.SchemaResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a server a device of an upstream server ({@code fieldsync server --upstream URL
 * --upstream-token TOKEN}; docs/tiers.md): it pushes what this server's devices wrote and pulls
 * what the rest of the tenant wrote, through the same protocol a device speaks, on a worker thread
 * of its own with backoff and the upstream's live channel.
 *
 * <p>Conflicts are decided once, at the top: this server decides its own devices' pushes as any
 * server does, then pushes the result up with the original devices' stamps and the {@code base_seq}
 * of what it had taken from upstream ({@link Upward}); the upstream decides with the same
 * strategies, and its decision overwrites the regional copy ({@link Downward}), which this server's
 * devices then pull. {@code sum} columns travel as increments, so each is counted once across
 * tiers. Where it stands is kept in the regional store in the transactions that change the records
 * ({@link UplinkState}): a restart sends the batch in flight again, which the upstream answers from
 * its record of the batch, and pushes nothing twice or never. A regional server offline longer than
 * the upstream's tombstone horizon resyncs by itself ({@link UplinkResync}).
 *
 * <p>The upstream token names one tenant; only that tenant of this store syncs upstream, other
 * tenants stay local. This server's devices keep syncing with it while the upstream is away.
 *
 * <p>Thread-safe. {@link #close()} stops the worker; the server and store stay open.
 */
public final class Uplink implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Uplink.class);

  /**
   * The device name of field versions taken from upstream: what the uplink wrote and never pushes
   * back. No device token should carry it.
   */
  public static final String DEVICE = "(upstream)";

  private final SyncServer server;
  private final SyncStore store;
  private final Transport upstream;
  private final UplinkSettings settings;
  private final Backoff backoff;
  private final String instance;
  private final UplinkMeters meters;
  private final ReentrantLock cycleLock = new ReentrantLock();
  private final ReentrantLock wakeLock = new ReentrantLock();
  private final Condition woken = wakeLock.newCondition();
  private final Thread worker;
  private final CommitListener.Registration commits;
  private volatile UplinkStatus status;
  private volatile boolean closed;
  private boolean wakeAsked;
  private volatile UplinkCycle cycle;
  private LiveSocket live; // guarded by this

  private Uplink(SyncServer server, Transport upstream, UplinkSettings settings) {
    this.server = server;
    this.store = server.config().store();
    this.upstream = upstream;
    this.settings = settings;
    SplittableRandom random = new SplittableRandom(settings.seed());
    this.backoff = new Backoff(settings.minRetry(), settings.maxRetry(), random.nextLong());
    this.instance = Long.toHexString(random.nextLong() | Long.MIN_VALUE);
    this.status = new UplinkStatus("starting", settings.upstream(), null, 0, 0, 0, 0, null, 0);
    this.meters = new UplinkMeters(server.metrics().registry(), () -> status);
    this.worker = new Thread(this::work, "fieldsync-uplink");
    this.worker.setDaemon(true);
    this.commits = store.onCommit(this::committed);
  }

  /**
   * Starts the uplink of {@code server} to the upstream that {@code upstream} reaches. When the
   * upstream answers, its answer is checked first: a refused token or another schema fail here; an
   * upstream that cannot be reached is retried in the background, and this server serves its
   * devices meanwhile.
   *
   * @throws ConfigException when the upstream refuses the token or serves another schema version
   */
  public static Uplink start(SyncServer server, Transport upstream, UplinkSettings settings) {
    Uplink uplink = new Uplink(server, upstream, settings);
    try {
      uplink.connect();
    } catch (AuthException e) {
      uplink.close();
      throw new ConfigException(
          "the upstream server "
              + settings.upstream()
              + " refused the upstream token: "
              + e.getMessage(),
          e);
    } catch (ConfigException e) {
      uplink.close();
      throw e;
    } catch (SyncException e) {
      // logged by failed(): this server serves its devices and the worker retries
      uplink.failed(e);
    }
    server.metrics().healthPart("uplink", uplink::health);
    uplink.worker.start();
    log.info("uplink to {} started", settings.upstream());
    return uplink;
  }

  /** The tenant and its cycle, from the upstream's answer; checked once. */
  private UplinkCycle connect() {
    if (cycle == null) {
      SchemaResponse answer = upstream.schema();
      int version = server.config().schema().version();
      if (answer.getSchema().getVersion() != version) {
        throw UplinkCycle.schemaMismatch(answer.getSchema().getVersion(), version);
      }
      UplinkCycle made =
          new UplinkCycle(
              store,
              server.config().schema(),
              answer.getTenant(),
              upstream,
              meters,
              settings.pageSize(),
              read -> status = status.resyncing(read));
      log.info(
          "uplink to {}: tenant '{}' as device '{}'",
          settings.upstream(),
          answer.getTenant(),
          answer.getDevice());
      cycle = made;
    }
    return cycle;
  }

  /**
   * Syncs with the upstream now, on the caller's thread (the worker waits meanwhile).
   *
   * @throws SyncException as the failing step does; the worker retries later as usual
   */
  public void syncNow() {
    cycleLock.lock();
    try {
      UplinkCycle current = connect();
      UplinkState before = current.state(instance);
      UplinkCycle.Moved moved = current.run(before);
      long sequence = store.currentSequence(current.tenant());
      UplinkStatus was = status;
      status =
          new UplinkStatus(
              "connected",
              settings.upstream(),
              currentTenant(),
              moved.state().cursor(),
              moved.state().pushedThrough(),
              Math.max(0, sequence - moved.state().pushedThrough()),
              server.config().wallClock().getAsLong(),
              null,
              0);
      if (!was.state().equals("connected")) {
        log.info("uplink to {} connected (was {})", settings.upstream(), was.state());
      }
      if (moved.pushed() > 0 || moved.pulled() > 0) {
        log.info(
            "uplink pushed {} changes and took {} records from upstream; cursor {}, pushed"
                + " through {}",
            moved.pushed(),
            moved.pulled(),
            moved.state().cursor(),
            moved.state().pushedThrough());
      }
    } catch (SyncException e) {
      failed(e);
      throw e;
    } finally {
      cycleLock.unlock();
    }
  }

  private String currentTenant() {
    UplinkCycle current = cycle;
    return current == null ? null : current.tenant();
  }

  private void failed(SyncException e) {
    meters.failed();
    UplinkStatus was = status;
    String state = e.isRetriable() ? "down" : "refused";
    status =
        new UplinkStatus(
            state,
            settings.upstream(),
            was.tenant() != null ? was.tenant() : currentTenant(),
            was.cursor(),
            was.pushedThrough(),
            was.unpushed(),
            was.lastSyncMillis(),
            e.getMessage(),
            0);
    if (!was.state().equals(state) || !Objects.equals(e.getMessage(), was.lastError())) {
      if (e.isRetriable()) {
        log.warn("uplink to {} is down: {}", settings.upstream(), e.getMessage());
      } else {
        log.error("the upstream {} refuses this server: {}", settings.upstream(), e.getMessage());
      }
    }
  }

  /** What the uplink last knew. */
  public UplinkStatus status() {
    return status;
  }

  private JsonObject health() {
    UplinkStatus now = status;
    JsonObject json = new JsonObject();
    json.addProperty("state", now.state());
    json.addProperty("upstream", now.upstream());
    if (now.tenant() != null) {
      json.addProperty("tenant", now.tenant());
    }
    json.addProperty("cursor", now.cursor());
    json.addProperty("pushed_through", now.pushedThrough());
    json.addProperty("unpushed", now.unpushed());
    if (now.lastSyncMillis() > 0) {
      json.addProperty("last_sync", Instant.ofEpochMilli(now.lastSyncMillis()).toString());
    }
    if (now.lastError() != null) {
      json.addProperty("last_error", now.lastError());
    }
    if (now.state().equals("resyncing")) {
      json.addProperty("resync_read", now.resyncRead());
    }
    return json;
  }

  /** Asks the worker to sync soon. */
  public void wake() {
    wakeLock.lock();
    try {
      wakeAsked = true;
      woken.signalAll();
    } finally {
      wakeLock.unlock();
    }
  }

  private void committed(String tenant, long sequence) {
    if (tenant.equals(status.tenant()) && sequence > status.pushedThrough()) {
      wake();
    }
  }

  private void work() {
    int failures = 0;
    while (!closed) {
      Duration pause;
      try {
        syncNow();
        failures = 0;
        openLive();
        pause = settings.poll();
      } catch (SyncException e) {
        failures++;
        dropLive();
        pause = e.isRetriable() ? backoff.delay(failures) : settings.maxRetry();
      } catch (RuntimeException e) {
        failures++;
        dropLive();
        log.error("the uplink failed unexpectedly; retrying", e);
        pause = backoff.delay(failures);
      }
      await(pause, failures == 0);
    }
  }

  /** Waits {@code pause}, or less when woken and {@code wakeable}; always less when closed. */
  private void await(Duration pause, boolean wakeable) {
    long deadline = System.nanoTime() + pause.toNanos();
    wakeLock.lock();
    try {
      while (!closed && !(wakeable && wakeAsked)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        woken.awaitNanos(left);
      }
      wakeAsked = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
    } finally {
      wakeLock.unlock();
    }
  }

  private void openLive() {
    cycleLock.lock();
    try {
      openLiveLocked();
    } finally {
      cycleLock.unlock();
    }
  }

  private void openLiveLocked() {
    synchronized (this) {
      if (closed || (live != null && live.isOpen())) {
        return;
      }
    }
    LiveSocket opened;
    try {
      opened =
          upstream.live(
              new LiveSocket.Listener() {
                @Override
                public void poked(long sequence) {
                  if (sequence > status.cursor()) {
                    wake();
                  }
                }

                @Override
                public void closed(String reason) {
                  log.debug("the upstream's live channel closed: {}", reason);
                }
              });
    } catch (SyncException e) {
      log.debug("the upstream's live channel did not open: {}", e.getMessage());
      return;
    }
    synchronized (this) {
      if (closed) { // closed while it opened: nothing else would ever close it
        opened.close();
        return;
      }
      live = opened;
    }
  }

  private synchronized void dropLive() {
    if (live != null) {
      live.close();
      live = null;
    }
  }

  /** Stops the worker (waiting for a sync in progress to end) and the live channel. */
  @Override
  public void close() {
    closed = true;
    wake();
    commits.close();
    if (worker.isAlive() && Thread.currentThread() != worker) {
      try {
        worker.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    dropLive();
    server.metrics().removeHealthPart("uplink");
    meters.close();
  }
}
