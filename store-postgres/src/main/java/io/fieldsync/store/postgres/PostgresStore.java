package io.fieldsync.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import io.fieldsync.StorageException;
import io.fieldsync.schema.Schema;
import io.fieldsync.store.CommitListener;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.jdbc.JdbcSyncStore;
import io.fieldsync.store.jdbc.Queries;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import org.postgresql.Driver;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sync store on PostgreSQL, for one or several server nodes on one database: the shared JDBC
 * engine with {@link PostgresDialect}, connections from a HikariCP pool.
 *
 * <p>Several nodes may open the same database at once. {@link #migrate} holds a database-wide
 * advisory lock while it runs, so concurrent starts migrate the tables once; pushes of one tenant
 * serialise on the tenant's sequence row (see {@code docs/storage.md}), whichever node they reach.
 *
 * <p>Thread-safe.
 */
final class PostgresStore extends JdbcSyncStore {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresStore.class);

  /** The channel every node's write transactions notify with {@code '<tenant>:<sequence>'}. */
  static final String CHANNEL = "fieldsync_commits";

  /** How long the listener waits for notifications before checking whether it should stop. */
  private static final int LISTEN_POLL_MILLIS = 500;

  /** Pause before reconnecting a dropped LISTEN connection. */
  private static final long RECONNECT_MILLIS = 1_000;

  /**
   * The store's own numbered steps, recorded in {@code _fs_migrations}. Step 1 is the baseline: the
   * metadata tables the shared engine creates (idempotently) in {@code migrate}. Later
   * PostgreSQL-only changes to metadata are appended here, never edited.
   */
  static final List<MetadataMigrations.Step> STEPS =
      List.of(
          new MetadataMigrations.Step(
              1, "baseline: metadata tables of the shared JDBC engine", List.of()),
          new MetadataMigrations.Step(
              2,
              "_fs_revoked: devices whose older tokens are refused",
              List.of(
                  "CREATE TABLE IF NOT EXISTS _fs_revoked (tenant TEXT NOT NULL, device TEXT NOT"
                      + " NULL, issued_up_to BIGINT NOT NULL, PRIMARY KEY (tenant, device))")),
          new MetadataMigrations.Step(
              3,
              "_fs_devices: each device's highest committed batch number",
              List.of(
                  "CREATE TABLE IF NOT EXISTS _fs_devices (tenant TEXT NOT NULL, device TEXT NOT"
                      + " NULL, last_batch BIGINT NOT NULL, PRIMARY KEY (tenant, device))")));

  private final PostgresLocation location;
  private final HikariDataSource pool;
  private final Object listenLock = new Object();
  private Thread listenThread;
  private volatile Connection listenConnection;
  private volatile boolean closed;

  PostgresStore(PostgresLocation location, StoreOptions options) {
    super(new PostgresDialect());
    this.location = location;
    HikariConfig config = new HikariConfig();
    config.setPoolName("fieldsync-postgres " + location.display());
    config.setJdbcUrl(location.jdbcUrl());
    config.setMaximumPoolSize(options.poolSize());
    config.setConnectionTimeout(Math.max(250, options.busyTimeoutMillis()));
    // lock_timeout 0 would mean "wait forever"; a busy timeout of 0 means "do not wait".
    config.setConnectionInitSql("SET lock_timeout = " + Math.max(1, options.busyTimeoutMillis()));
    config.addDataSourceProperty("ApplicationName", "fieldsync");
    try {
      this.pool = new HikariDataSource(config);
    } catch (HikariPool.PoolInitializationException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new StorageException(
          "postgresql store "
              + location.display()
              + ": cannot connect: "
              + cause.getMessage()
              + (cause instanceof SQLException sql && sql.getSQLState() != null
                  ? " (SQLState " + sql.getSQLState() + ")"
                  : ""),
          cause);
    }
  }

  /**
   * Migrates under a session-level advisory lock held on a connection of its own, so that nodes
   * starting together run one after the other: the first creates and alters the tables, the next
   * ones find them done. The lock is released when this returns (or the connection drops).
   */
  @Override
  public void migrate(Schema schema) {
    try (Connection lock = new Driver().connect(location.jdbcUrl(), new Properties())) {
      Queries queries = new Queries(lock);
      queries.execute("SELECT pg_advisory_lock(?)", MetadataMigrations.LOCK_KEY);
      try {
        lock.setAutoCommit(false);
        new MetadataMigrations(STEPS).apply(lock);
        lock.commit();
        lock.setAutoCommit(true);
        super.migrate(schema);
      } finally {
        if (!lock.getAutoCommit()) {
          lock.rollback();
          lock.setAutoCommit(true);
        }
        queries.execute("SELECT pg_advisory_unlock_all()");
      }
    } catch (SQLException e) {
      throw new StorageException(
          "postgresql store "
              + location.display()
              + ": failed migrating the schema: "
              + e.getMessage()
              + (e.getSQLState() == null ? "" : " (SQLState " + e.getSQLState() + ")"),
          e);
    }
  }

  /**
   * Announces the commit to every node: {@code NOTIFY} is transactional, so listeners hear it only
   * if and when this transaction commits, and in commit order.
   */
  @Override
  protected void beforeCommit(Connection connection, String tenant, long sequence)
      throws SQLException {
    new Queries(connection).execute("SELECT pg_notify(?, ?)", CHANNEL, tenant + ":" + sequence);
  }

  /** Nothing here: this node's own commits reach its listeners through LISTEN like any other. */
  @Override
  protected void afterCommit(String tenant, long sequence) {}

  /**
   * Registers the listener and, on the first registration, opens a dedicated connection (outside
   * the pool) that {@code LISTEN}s on {@value #CHANNEL}, read by a daemon thread. LISTEN is active
   * when this returns, so every commit after it is reported.
   *
   * @throws StorageException when the LISTEN connection cannot be opened
   */
  @Override
  public CommitListener.Registration onCommit(CommitListener listener) {
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
    return super.onCommit(listener);
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
            notifyCommitted(
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

  @Override
  protected Connection acquireWriter() throws SQLException {
    return pool.getConnection();
  }

  @Override
  protected void releaseWriter(Connection connection, boolean broken) {
    release(connection, broken);
  }

  @Override
  protected Connection acquireReader() throws SQLException {
    return pool.getConnection();
  }

  @Override
  protected void releaseReader(Connection connection, boolean broken) {
    release(connection, broken);
  }

  private void release(Connection connection, boolean broken) {
    if (broken) {
      pool.evictConnection(connection);
      return;
    }
    try {
      connection.close();
    } catch (SQLException e) {
      pool.evictConnection(connection);
    }
  }

  @Override
  protected String location() {
    return location.display();
  }

  @Override
  public void close() {
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
    pool.close();
  }
}
