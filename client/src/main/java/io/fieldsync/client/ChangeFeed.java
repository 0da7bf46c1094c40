package io.fieldsync.client;

import io.fieldsync.StorageException;
import io.fieldsync.client.internal.state.DeviceDatabase;
import io.fieldsync.client.internal.state.DeviceFile;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells {@link ChangeListener}s which rows changed and runs {@link QueryWatch}es again, on one
 * thread ({@code fieldsync-changes}) started with the first listener or watch. It looks for local
 * writes in the capture log ({@link CapturedWrites}) every write poll, at once after a commit of
 * the client's own connections, and before each push (which removes the rows it sends); a sync
 * cycle hands it the rows it wrote. A watch runs at most once per round, however many changes the
 * round found.
 *
 * <p>Thread-safe.
 */
final class ChangeFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ChangeFeed.class);

  private final DeviceFile database;
  private final Duration poll;
  private final Supplier<Set<String>> syncedTables;
  private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();
  private final List<QueryWatch> watches = new CopyOnWriteArrayList<>();
  private final Object monitor = new Object();
  private final List<ChangedRows> queued = new ArrayList<>();
  private final List<QueryWatch> fresh = new ArrayList<>();
  private final CommitRecheck recheck = new CommitRecheck();
  private boolean woken;
  private boolean closed;
  private CapturedWrites captured;
  private Thread thread;

  ChangeFeed(DeviceFile database, Duration poll, Supplier<Set<String>> syncedTables) {
    this.database = database;
    this.poll = poll;
    this.syncedTables = syncedTables;
  }

  void add(ChangeListener listener) {
    Objects.requireNonNull(listener, "listener");
    start();
    listeners.add(listener);
  }

  void remove(ChangeListener listener) {
    listeners.remove(listener);
  }

  /**
   * Watches {@code sql}: runs it on the change thread now and after each change to its tables.
   *
   * @throws IllegalArgumentException when the query does not compile, writes, or has another number
   *     of parameters
   */
  QueryWatch watch(String sql, List<?> params, QueryListener listener) {
    Objects.requireNonNull(sql, "sql");
    Objects.requireNonNull(params, "params");
    Objects.requireNonNull(listener, "listener");
    QueryWatch watch;
    try (Connection connection = DeviceDatabase.connect(database, false)) {
      watch = QueryWatch.of(connection, sql, params, listener, this);
    } catch (SQLException e) {
      throw DeviceDatabase.storage(e);
    }
    start();
    watches.add(watch);
    synchronized (monitor) {
      fresh.add(watch);
      monitor.notifyAll();
    }
    return watch;
  }

  void unwatch(QueryWatch watch) {
    watches.remove(watch);
  }

  /** A sync wrote these rows (committed). Runs on the cycle's thread. */
  void serverChanged(Map<String, Set<String>> recordIds) {
    if (isIdle()) {
      return;
    }
    enqueue(new ChangedRows(ChangedRows.Origin.SERVER, recordIds));
  }

  /** A push is about to remove the log rows captured so far: read them first. */
  void beforePush() {
    if (isIdle()) {
      return;
    }
    readLocal();
  }

  /** A connection of the client committed. Runs on the committing thread. */
  void committed() {
    synchronized (monitor) {
      recheck.hookFired(System.nanoTime());
      woken = true;
      monitor.notifyAll();
    }
  }

  /** Whether nothing listens or watches: changes are then not looked for. */
  boolean isIdle() {
    synchronized (monitor) {
      return captured == null || closed;
    }
  }

  private void enqueue(ChangedRows changes) {
    synchronized (monitor) {
      queued.add(changes);
      monitor.notifyAll();
    }
  }

  /** Whether it found local writes (and queued them). */
  private boolean readLocal() {
    CapturedWrites reader;
    synchronized (monitor) {
      reader = captured;
    }
    if (reader == null) {
      return false;
    }
    try {
      ChangedRows local = reader.read();
      if (local != null) {
        enqueue(local);
        return true;
      }
    } catch (SQLException e) {
      LOG.debug("reading the capture log of {} failed: {}", database, e.getMessage());
    }
    return false;
  }

  private void start() {
    synchronized (monitor) {
      if (closed) {
        throw new IllegalStateException("client for " + database + " is closed");
      }
      if (thread != null) {
        return;
      }
      try {
        captured = new CapturedWrites(database, syncedTables);
      } catch (SQLException e) {
        throw DeviceDatabase.storage(e);
      }
      thread = new Thread(this::loop, "fieldsync-changes");
      thread.setDaemon(true);
      thread.start();
    }
  }

  private void loop() {
    try (Connection queries = DeviceDatabase.connect(database, false)) {
      while (true) {
        List<ChangedRows> round;
        List<QueryWatch> first;
        synchronized (monitor) {
          long wait = recheck.nextLookWithin(System.nanoTime(), poll.toNanos());
          if (queued.isEmpty() && fresh.isEmpty() && !woken && !closed) {
            monitor.wait(wait / 1_000_000, (int) (wait % 1_000_000));
          }
          if (closed) {
            return;
          }
          woken = false;
        }
        boolean found = readLocal();
        synchronized (monitor) {
          if (found) {
            recheck.seen();
          }
          round = new ArrayList<>(queued);
          queued.clear();
          first = new ArrayList<>(fresh);
          fresh.clear();
        }
        deliver(round, first, queries);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (SQLException | StorageException e) {
      LOG.warn("change notifications for {} stopped: {}", database, e.getMessage());
    }
  }

  private void deliver(List<ChangedRows> round, List<QueryWatch> first, Connection queries) {
    Set<String> tables = new HashSet<>();
    for (ChangedRows changes : round) {
      tables.addAll(changes.tables());
      for (ChangeListener listener : listeners) {
        try {
          listener.changed(changes);
        } catch (RuntimeException e) {
          LOG.warn("change listener {} failed", listener, e);
        }
      }
    }
    for (QueryWatch watch : watches) {
      if (first.contains(watch) || watch.touchedBy(tables)) {
        watch.run(queries);
      }
    }
  }

  /** Stops the change thread and closes its connections. */
  @Override
  public void close() {
    Thread running;
    synchronized (monitor) {
      if (closed) {
        return;
      }
      closed = true;
      running = thread;
      monitor.notifyAll();
    }
    if (running != null) {
      boolean interrupted = false;
      while (running.isAlive()) {
        try {
          running.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    CapturedWrites reader = captured;
    if (reader != null) {
      try {
        reader.close();
      } catch (SQLException e) {
        LOG.debug("closing the change reader of {} failed: {}", database, e.getMessage());
      }
    }
  }
}
