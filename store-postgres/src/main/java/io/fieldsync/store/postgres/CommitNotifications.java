package io.fieldsync.store.postgres;

import io.fieldsync.StorageException;
import io.fieldsync.store.CommitListener;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.postgresql.Driver;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening side of commit notifications: one connection outside the pool that {@code LISTEN}s
 * on {@value #CHANNEL}, read by a daemon thread (500 ms polls) that hands each {@code
 * '<tenant>:<sequence>'} payload to {@code committed}. A dropped connection is reopened after a
 * second; what was sent meanwhile is lost, which a hint may be (see {@link CommitListener}).
 * Thread-safe.
 */
final class CommitNotifications {
  private static final Logger LOG = LoggerFactory.getLogger(CommitNotifications.class);

  /** The channel every node's write transactions notify with {@code '<tenant>:<sequence>'}. */
  static final String CHANNEL = "fieldsync_commits";

  /** How long the listener waits for notifications before checking whether it should stop. */
  private static final int LISTEN_POLL_MILLIS = 500;

  /** Pause before reconnecting a dropped LISTEN connection. */
  private static final long RECONNECT_MILLIS = 1_000;

  private final PostgresLocation location;
  private final CommitListener committed;
  private final Object listenLock = new Object();
  private Thread listenThread;
  private volatile Connection listenConnection;
  private volatile boolean closed;

  /**
   * @param committed told of every notification heard, on the listening thread
   */
  CommitNotifications(PostgresLocation location, CommitListener committed) {
    this.location = location;
    this.committed = committed;
  }

  /**
   * Starts listening, unless it already has: LISTEN is active when this returns.
   *
   * @throws StorageException when the LISTEN connection cannot be opened
   * @throws IllegalStateException after {@link #close}
   */
  void start() {
    synchronized (listenLock) {
      if (closed) {
        throw new IllegalStateException("postgresql store " + location.display() + " is closed");
      }
      if (listenThread == null) {
        try {
          listenConnection = listen();
        } catch (SQLException e) {
          throw new StorageException(
              "postgresql store "
                  + location.display()
                  + ": cannot LISTEN for commits: "
                  + e.getMessage(),
              e);
        }
        listenThread = new Thread(this::dispatchNotifications, "fieldsync-pg-listen");
        listenThread.setDaemon(true);
        listenThread.start();
      }
    }
  }

  /** Stops listening and waits briefly for the thread to end. Idempotent. */
  void close() {
    Thread thread;
    synchronized (listenLock) {
      closed = true;
      thread = listenThread;
    }
    if (thread != null) {
      thread.interrupt();
      closeQuietly(listenConnection);
      try {
        thread.join(LISTEN_POLL_MILLIS * 4L);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private Connection listen() throws SQLException {
    Connection connection = new Driver().connect(location.jdbcUrl(), new Properties());
    try (Statement statement = connection.createStatement()) {
      statement.execute("LISTEN " + CHANNEL);
    } catch (SQLException e) {
      connection.close();
      throw e;
    }
    return connection;
  }

  private void dispatchNotifications() {
    try {
      dispatchUntilClosed();
    } finally {
      // a connection reopened while close() ran is closed here
      closeQuietly(listenConnection);
    }
  }

  private void dispatchUntilClosed() {
    while (!closed) {
      Connection connection = listenConnection;
      try {
        if (connection == null) {
          connection = listen();
          listenConnection = connection;
          LOG.info("postgresql store {}: LISTEN connection restored", location.display());
        }
        PGNotification[] notifications =
            connection.unwrap(PGConnection.class).getNotifications(LISTEN_POLL_MILLIS);
        if (notifications == null) {
          continue;
        }
        for (PGNotification notification : notifications) {
          String payload = notification.getParameter();
          // Tenants may contain ':', sequences cannot: split at the last one.
          int colon = payload.lastIndexOf(':');
          if (colon <= 0) {
            LOG.warn("ignoring malformed {} notification '{}'", CHANNEL, payload);
            continue;
          }
          try {
            committed.committed(
                payload.substring(0, colon), Long.parseLong(payload.substring(colon + 1)));
          } catch (NumberFormatException e) {
            LOG.warn("ignoring malformed {} notification '{}'", CHANNEL, payload);
          }
        }
      } catch (SQLException e) {
        if (closed) {
          return;
        }
        // Notifications sent while disconnected are lost; they are hints (see CommitListener),
        // and the clients they would have woken still pull from their cursors.
        LOG.warn(
            "postgresql store {}: LISTEN connection failed, reconnecting: {}",
            location.display(),
            e.getMessage());
        closeQuietly(connection);
        listenConnection = null;
        try {
          Thread.sleep(RECONNECT_MILLIS);
        } catch (InterruptedException interrupted) {
          return;
        }
      }
    }
  }

  private static void closeQuietly(Connection connection) {
    if (connection == null) {
      return;
    }
    try {
      connection.close();
    } catch (SQLException ignored) {
      // discarding a broken connection: nothing to recover
    }
  }
}
