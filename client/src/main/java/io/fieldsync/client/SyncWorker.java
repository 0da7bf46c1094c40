package io.fieldsync.client;

import io.fieldsync.AuthException;
import io.fieldsync.SyncException;
import io.fieldsync.TransportException;
import io.fieldsync.client.internal.state.DeviceDatabase;
import io.fieldsync.client.internal.state.DeviceFile;
import io.fieldsync.client.internal.state.DeviceState;
import io.fieldsync.client.internal.state.Jdbc;
import io.fieldsync.client.transport.LiveSocket;
import io.fieldsync.client.transport.Transport;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a device in sync by itself, on one background thread ({@code fieldsync-worker}).
 *
 * <h2>When it syncs</h2>
 *
 * <ul>
 *   <li>at start;
 *   <li>at once after a local write, or when a write comes within the {@link
 *       FieldSyncClient.Builder#debounce debounce} after the last sync ended, that long after it,
 *       with every write made meanwhile. Commits through {@link FieldSyncClient#connection()} wake
 *       the worker from SQLite's commit hook; other connections and processes are found by polling
 *       {@code PRAGMA data_version} every {@link FieldSyncClient.Builder#writePoll write poll}.
 *       Either only says the file changed: the newest capture stamp (the log's last row, or {@code
 *       _fs_state.drained} once acks emptied the log; the library's own pulls write with capture
 *       off and never move it) says whether a local write did;
 *   <li>at once when the live channel pokes it with a sequence above its cursor;
 *   <li>every {@link FieldSyncClient.Builder#syncInterval} otherwise.
 * </ul>
 *
 * <h2>When it fails</h2>
 *
 * A retriable {@link SyncException} (network, timeout, 5xx, busy database) schedules the next
 * attempt after an exponential backoff with "equal jitter" from a seeded generator: {@code d =
 * min(max, min·2^(n-1))}, wait {@code d/2 + uniform(0, d/2)}; a success resets it. A network
 * failure marks the server offline; while offline each attempt first asks {@code GET /v1/health}
 * and syncs as soon as it answers. A fatal error (a refused or expired token, a schema the device
 * cannot migrate, a request the server refuses) stops the worker with the reason: retrying cannot
 * help. No success for {@link FieldSyncClient.Builder#stuckAfter} while the server answers is
 * reported as {@link WorkerEvent.Stuck}.
 *
 * <p>Cycles go through {@link FieldSyncClient#syncNow()}, so they never overlap with an
 * application's own {@code syncNow()}. The worker records its last error and the server sequence it
 * heard of in {@code _fs_meta} ({@code worker_last_error}, {@code worker_server_sequence}) for
 * {@code fieldsync client status}. Thread-safe.
 */
public final class SyncWorker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SyncWorker.class);

  /** Whether the worker runs. */
  public enum State {
    RUNNING,
    STOPPED
  }

  private final FieldSyncClient client;
  private final DeviceFile database;
  private final Transport transport;
  private final WorkerSettings options;
  private final Backoff backoff;
  private final List<WorkerListener> listeners = new CopyOnWriteArrayList<>();
  private final Object monitor = new Object();
  private final Thread thread;
  private final SyncListener progress;
  private final Runnable commitSignal = this::committed;
  private final LiveLink liveLink;

  // Guarded by monitor (written by the worker thread, pokes, commits and close()).
  private boolean running = true;
  private long pokedSequence;
  private boolean committed;
  private boolean paused;
  private boolean idleWhilePaused;

  // Read by status() from any thread.
  private volatile boolean online = true;
  private volatile boolean syncing;
  private volatile long pending;
  private volatile long cursor;
  private volatile long serverSequence;
  private volatile Instant lastSuccessAt;
  private volatile String lastError;
  private volatile int failures;
  private volatile Instant nextRetryAt;
  private volatile boolean stuck;
  private volatile String stopReason;

  SyncWorker(
      FieldSyncClient client, DeviceFile database, Transport transport, WorkerSettings options) {
    this.client = client;
    this.database = database;
    this.transport = transport;
    this.options = Objects.requireNonNull(options, "options");
    this.backoff = new Backoff(options.minBackoff(), options.maxBackoff(), options.seed());
    this.thread = new Thread(this::loop, "fieldsync-worker");
    this.thread.setDaemon(true);
    this.progress =
        new SyncListener() {
          @Override
          public void snapshotProgress(long done, long totalEstimate, boolean finished) {
            emit(new WorkerEvent.SnapshotProgress(done, totalEstimate, finished));
          }

          @Override
          public void syncProgress(SyncProgress progress) {
            emit(new WorkerEvent.Progress(progress));
          }
        };
    this.liveLink =
        new LiveLink(
            transport,
            new LiveSocket.Listener() {
              @Override
              public void poked(long sequence) {
                serverSequence = Math.max(serverSequence, sequence);
                emit(new WorkerEvent.Poked(sequence));
                synchronized (monitor) {
                  pokedSequence = Math.max(pokedSequence, sequence);
                  monitor.notifyAll();
                }
              }

              @Override
              public void closed(String reason) {
                emit(new WorkerEvent.LiveDisconnected(reason));
                synchronized (monitor) {
                  monitor.notifyAll();
                }
              }
            });
  }

  void start() {
    client.addListener(progress);
    client.localCommits.subscribe(commitSignal);
    thread.start();
  }

  /** A watched connection committed: look for a capture now. Runs on the committing thread. */
  private void committed() {
    synchronized (monitor) {
      committed = true;
      monitor.notifyAll();
    }
  }

  /** Adds a listener. Thread-safe. */
  public void addListener(WorkerListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  public void removeListener(WorkerListener listener) {
    listeners.remove(listener);
  }

  /** The worker's state now. Thread-safe. */
  public WorkerStatus status() {
    boolean live = liveLink.isOpen();
    long heard = Math.max(serverSequence, cursor);
    return new WorkerStatus(
        thread.isAlive() || stopReason == null ? State.RUNNING : State.STOPPED,
        online,
        syncing,
        live,
        pending,
        cursor,
        heard,
        Math.max(0, heard - cursor),
        lastSuccessAt,
        lastError,
        failures,
        nextRetryAt,
        stuck,
        stopReason);
  }

  /** Asks for a cycle now (as a poke would). Thread-safe. */
  public void syncSoon() {
    synchronized (monitor) {
      pokedSequence = Long.MAX_VALUE;
      monitor.notifyAll();
    }
  }

  /**
   * Pauses the worker: it waits for a running cycle to end, closes the live channel, and makes no
   * network request until {@link #resume()}. Local writes are still captured in the outbox; an
   * application's own {@link FieldSyncClient#syncNow()} still runs. Called from a worker listener,
   * it does not wait. Idempotent.
   */
  public void pause() {
    synchronized (monitor) {
      paused = true;
      monitor.notifyAll();
      if (Thread.currentThread() == thread) {
        return;
      }
      while (running && thread.isAlive() && !idleWhilePaused) {
        try {
          monitor.wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** Resumes a paused worker: it syncs at once, then carries on as before. Idempotent. */
  public void resume() {
    synchronized (monitor) {
      paused = false;
      monitor.notifyAll();
    }
  }

  /** Whether {@link #pause()} was called and {@link #resume()} not since. Thread-safe. */
  public boolean isPaused() {
    synchronized (monitor) {
      return paused;
    }
  }

  /**
   * While paused: closes the live channel and waits for {@link #resume()} or {@link #close()};
   * returns whether it paused.
   */
  private boolean waitWhilePaused() {
    synchronized (monitor) {
      if (!paused) {
        return false;
      }
    }
    liveLink.drop();
    emit(new WorkerEvent.Paused());
    synchronized (monitor) {
      idleWhilePaused = true;
      monitor.notifyAll();
      try {
        while (paused && running) {
          monitor.wait();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        running = false;
      } finally {
        idleWhilePaused = false;
      }
      if (!running) {
        return true;
      }
    }
    emit(new WorkerEvent.Resumed());
    return true;
  }

  /** Stops the worker, waiting for a running cycle to end. Idempotent. */
  @Override
  public void close() {
    synchronized (monitor) {
      if (!running) {
        return;
      }
      running = false;
      monitor.notifyAll();
    }
    if (Thread.currentThread() != thread) {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(10));
        if (thread.isAlive()) {
          thread.interrupt();
          thread.join(TimeUnit.SECONDS.toMillis(5));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void loop() {
    String reason = "closed";
    boolean fatal = false;
    Instant started = now();
    Instant dueAt = started; // sync at start
    String dueTrigger = "start";
    Instant lastCycleEnd = null;
    Instant nextPeriodicAt = started.plus(options.interval());
    Instant nextLiveAttemptAt = started;
    Instant nextPingAt = started.plus(options.livePing());
    int liveFailures = 0;
    try (Connection watch = DeviceDatabase.connect(database, false);
        LocalWriteWatch writes = new LocalWriteWatch(watch)) {
      pending = count(watch);
      cursor = new DeviceState(watch).cursor();
      while (isRunning()) {
        if (waitWhilePaused()) {
          dueAt = now();
          dueTrigger = "resume";
          nextRetryAt = null;
          continue;
        }
        Instant now = now();
        if (takeCommitted()) {
          writes.hookFired(System.nanoTime());
        }
        if (writes.wroteSinceLastLook()) {
          // A write syncs at once, or after the quiet time that follows a sync.
          Instant at = now;
          if (lastCycleEnd != null && lastCycleEnd.plus(options.debounce()).isAfter(now)) {
            at = lastCycleEnd.plus(options.debounce());
          }
          if (dueAt == null || dueAt.isAfter(at)) {
            dueAt = at;
            dueTrigger = "write";
          }
        }
        long poked;
        synchronized (monitor) {
          poked = pokedSequence;
        }
        if (poked > cursor && (dueAt == null || dueAt.isAfter(now))) {
          dueAt = now;
          dueTrigger = "poke";
        }
        if (!now.isBefore(nextPeriodicAt) && dueAt == null) {
          dueAt = now;
          dueTrigger = "interval";
        }

        boolean attempt;
        String trigger;
        if (nextRetryAt != null) {
          attempt = !now.isBefore(nextRetryAt);
          trigger = online ? "retry" : "reconnect";
        } else {
          attempt = dueAt != null && !now.isBefore(dueAt);
          trigger = dueTrigger;
        }
        if (attempt) {
          if (!online && !probe()) {
            continue; // probe() scheduled the next attempt
          }
          dueAt = null;
          String fatalReason = cycle(trigger, watch);
          if (fatalReason != null) {
            reason = fatalReason;
            fatal = true;
            break;
          }
          lastCycleEnd = now();
          nextPeriodicAt = lastCycleEnd.plus(options.interval());
          continue;
        }

        // The live channel, while the server answers.
        if (options.live() && online && !now.isBefore(nextLiveAttemptAt) && !liveLink.isOpen()) {
          try {
            if (liveLink.open()) {
              emit(new WorkerEvent.LiveConnected());
            }
            liveFailures = 0;
            nextPingAt = now().plus(options.livePing());
          } catch (AuthException e) {
            lastError = e.getMessage();
            remember(watch, e.getMessage());
            reason = StopReason.of(e);
            fatal = true;
            break;
          } catch (SyncException e) {
            liveFailures++;
            Duration delay = backoff.delay(liveFailures);
            nextLiveAttemptAt = now().plus(delay);
            LOG.debug(
                "live channel to {} failed, next try in {}: {}", database, delay, e.getMessage());
          }
        }
        if (!now.isBefore(nextPingAt)) {
          liveLink.ping();
          nextPingAt = now.plus(options.livePing());
        }

        checkStuck(started);
        Instant wake = now.plus(writes.nextLookWithin(System.nanoTime(), options.writePoll()));
        for (Instant candidate : new Instant[] {dueAt, nextRetryAt, nextPeriodicAt}) {
          if (candidate != null && candidate.isBefore(wake)) {
            wake = candidate;
          }
        }
        sleepUntil(wake);
      }
    } catch (SQLException e) {
      reason = "local database failed: " + e.getMessage();
      fatal = true;
    } catch (SyncException e) {
      reason = e.getMessage();
      fatal = true;
    } catch (RuntimeException e) {
      LOG.error("sync worker of {} failed", database, e);
      reason = "worker failed: " + e;
      fatal = true;
    } finally {
      synchronized (monitor) {
        running = false;
        monitor.notifyAll();
      }
      liveLink.stop();
      client.removeListener(progress);
      client.localCommits.unsubscribe(commitSignal);
      stopReason = reason;
      syncing = false;
      if (fatal) {
        LOG.warn("sync worker of {} stopped: {}", database, reason);
      }
      emit(new WorkerEvent.Stopped(reason, fatal));
    }
  }

  /** One cycle; returns the fatal reason when the worker must stop, else null. */
  private String cycle(String trigger, Connection watch) {
    syncing = true;
    emit(new WorkerEvent.Syncing(trigger));
    try {
      SyncResult result = client.syncNow();
      Instant now = now();
      failures = 0;
      nextRetryAt = null;
      lastSuccessAt = now;
      lastError = null;
      stuck = false;
      cursor = result.cursor();
      serverSequence = Math.max(serverSequence, result.cursor());
      if (!online) {
        online = true;
        emit(new WorkerEvent.Online());
      }
      pending = safeCount(watch);
      remember(watch, null);
      emit(new WorkerEvent.Synced(result, pending, Math.max(0, serverSequence - cursor)));
      return null;
    } catch (SyncException e) {
      if (!e.isRetriable()) {
        lastError = e.getMessage();
        remember(watch, e.getMessage());
        return StopReason.of(e);
      }
      if (e instanceof TransportException && online) {
        online = false;
        liveLink.drop();
        emit(new WorkerEvent.Offline(e.getMessage()));
      }
      fail(e.getMessage());
      remember(watch, e.getMessage());
      return null;
    } finally {
      syncing = false;
    }
  }

  /** While offline: whether the server answers now; schedules the next attempt when not. */
  private boolean probe() {
    try {
      transport.health();
      online = true;
      emit(new WorkerEvent.Online());
      return true;
    } catch (SyncException e) {
      fail("server unreachable: " + e.getMessage());
      return false;
    }
  }

  private void fail(String message) {
    failures++;
    lastError = message;
    Duration delay = backoff.delay(failures);
    Instant at = now().plus(delay);
    nextRetryAt = at;
    emit(new WorkerEvent.Failed(message, failures, delay, at));
  }

  private void checkStuck(Instant started) {
    if (!online || stuck) {
      return;
    }
    Instant since = lastSuccessAt == null ? started : lastSuccessAt;
    Duration elapsed = Duration.between(since, now());
    if (elapsed.compareTo(options.stuckAfter()) >= 0 && failures > 0) {
      stuck = true;
      LOG.warn("sync of {} is stuck: no success for {}: {}", database, elapsed, lastError);
      emit(new WorkerEvent.Stuck(elapsed, lastError));
    }
  }

  private boolean isRunning() {
    synchronized (monitor) {
      return running;
    }
  }

  private void sleepUntil(Instant wake) {
    long millis = Math.max(1, Duration.between(now(), wake).toMillis());
    synchronized (monitor) {
      if (!running || paused || pokedSequence > cursor || committed) {
        return;
      }
      try {
        monitor.wait(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        running = false;
      }
    }
  }

  private boolean takeCommitted() {
    synchronized (monitor) {
      boolean result = committed;
      committed = false;
      return result;
    }
  }

  private Instant now() {
    return options.clock().instant();
  }

  private void emit(WorkerEvent event) {
    for (WorkerListener listener : listeners) {
      try {
        listener.event(event);
      } catch (RuntimeException e) {
        LOG.warn("worker listener {} failed", listener, e);
      }
    }
  }

  private static long count(Connection c) throws SQLException {
    return new Jdbc(c).count("_fs_changelog");
  }

  private long safeCount(Connection c) {
    try {
      return count(c);
    } catch (SQLException e) {
      return pending;
    }
  }

  /** Keeps the last error and the heard sequence for {@code fieldsync client status}. */
  private void remember(Connection c, String error) {
    try {
      new DeviceState(c).storeWorkerStatus(error, Math.max(serverSequence, cursor));
    } catch (SQLException e) {
      LOG.debug("recording worker status in {} failed: {}", database, e.getMessage());
    }
  }
}
