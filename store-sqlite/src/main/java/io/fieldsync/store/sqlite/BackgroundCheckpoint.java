package io.fieldsync.store.sqlite;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Callable;

/**
 * Copies committed WAL pages into the database file on a thread of its own, so a commit does not
 * wait for a checkpoint (the page copies and the file syncs took most of a large push's {@code
 * COMMIT}). A passive checkpoint runs beside the writer and the readers, waiting for neither; when
 * the WAL has been copied in full, the writer's next transaction starts it again from its
 * beginning. The writer keeps SQLite's own checkpoint at a higher ceiling, which bounds the WAL
 * whatever happens here (a writer that never pauses, a checkpoint that failed).
 *
 * <p>Nothing here changes what a commit promises: a checkpoint only copies pages already committed
 * to the WAL. Thread-safe.
 */
final class BackgroundCheckpoint implements AutoCloseable {
  /** The least time between two checkpoints: a busy writer's commits share one. */
  static final long PAUSE_MILLIS = 100;

  private final Callable<Connection> opener;
  private final Thread thread;
  private boolean requested;
  private boolean closed;
  private Connection connection;

  /**
   * @param opener opens the checkpoint's own connection to the database, on first use
   * @param name the thread's name
   */
  BackgroundCheckpoint(Callable<Connection> opener, String name) {
    this.opener = opener;
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
    thread.start();
  }

  /** Asks for a checkpoint after a commit; returns at once. */
  synchronized void request() {
    requested = true;
    notifyAll();
  }

  private void run() {
    try {
      while (awaitRequest()) {
        checkpoint();
        Thread.sleep(PAUSE_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      closeConnection();
    }
  }

  private synchronized boolean awaitRequest() throws InterruptedException {
    while (!requested && !closed) {
      wait();
    }
    requested = false;
    return !closed;
  }

  /**
   * A failed checkpoint is dropped and its connection reopened for the next: the pages stay in the
   * WAL, where readers find them, and the writer's own checkpoint copies them at its ceiling.
   */
  private void checkpoint() {
    try {
      if (connection == null) {
        connection = opener.call();
      }
      try (Statement statement = connection.createStatement()) {
        statement.execute("PRAGMA wal_checkpoint(PASSIVE)");
      }
    } catch (Exception e) {
      closeConnection();
    }
  }

  private void closeConnection() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // a connection being dropped: nothing to recover
      }
      connection = null;
    }
  }

  /** Stops the thread, waiting for a running checkpoint to end, and closes its connection. */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      notifyAll();
    }
    thread.interrupt();
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
