package io.fieldsync.client.internal.state;

import io.fieldsync.StorageException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.sqlite.JDBC;
import org.sqlite.SQLiteConfig;

/**
 * A device database file and the sync engine's own connection to it, with its typed {@link
 * DeviceState}. Application connections come from {@link #connect}; they see the same file.
 *
 * <p>Not thread-safe: the client uses the engine connection from one sync cycle at a time.
 */
public final class DeviceDatabase implements AutoCloseable {
  static final int BUSY_TIMEOUT_MILLIS = 10_000;

  /** Work on a connection, inside a transaction or a read. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  private final Path path;
  private final Connection connection;
  private final DeviceState state;

  private DeviceDatabase(Path path, Connection connection) {
    this.path = path;
    this.connection = connection;
    this.state = new DeviceState(connection);
  }

  /**
   * Opens the engine's connection: transactions take the write lock at BEGIN, so they never fail on
   * a lock upgrade under concurrent writers.
   *
   * @throws StorageException when the file cannot be opened
   */
  public static DeviceDatabase open(Path path) {
    return new DeviceDatabase(path, connect(path, true));
  }

  /**
   * A connection with foreign keys off and a 10 s busy timeout.
   *
   * @param immediate whether transactions take the write lock at BEGIN
   * @throws StorageException when the file cannot be opened
   */
  public static Connection connect(Path database, boolean immediate) {
    SQLiteConfig config = new SQLiteConfig();
    config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
    config.enforceForeignKeys(false);
    if (immediate) {
      config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
      // The engine never asks for generated keys; with them on, the driver runs an extra
      // "SELECT last_insert_rowid()" after every INSERT it executes (each pulled row).
      config.setGetGeneratedKeys(false);
    }
    try {
      // Straight to the SQLite driver: DriverManager would first load every JDBC driver on the
      // class path (PostgreSQL's included), a noticeable part of a short command's start.
      return JDBC.createConnection("jdbc:sqlite:" + database, config.toProperties());
    } catch (SQLException e) {
      throw new StorageException("cannot open local database " + database + ": " + e, e);
    }
  }

  public static StorageException storage(SQLException e) {
    return new StorageException("local database failed: " + e.getMessage(), e);
  }

  public Path path() {
    return path;
  }

  /** The engine's connection. */
  public Connection connection() {
    return connection;
  }

  /** The typed state, read and written through the engine's connection. */
  public DeviceState state() {
    return state;
  }

  /** Runs {@code work} on the engine's connection outside a transaction. */
  public <T> T read(Work<T> work) {
    try {
      return work.run(connection);
    } catch (SQLException e) {
      throw storage(e);
    }
  }

  /** Runs {@code work} in one transaction on the engine's connection, rolling back on failure. */
  public <T> T transaction(Work<T> work) {
    try {
      connection.setAutoCommit(false);
      try {
        T result = work.run(connection);
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException | Error e) {
        try {
          connection.rollback();
        } catch (SQLException rollback) {
          e.addSuppressed(rollback);
        }
        throw e;
      } finally {
        connection.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw storage(e);
    }
  }

  /** Turns on write-ahead logging; the file keeps it. */
  public void useWriteAheadLog() {
    read(
        c -> {
          try (Statement statement = c.createStatement()) {
            statement.execute("PRAGMA journal_mode=WAL");
          }
          return null;
        });
  }

  /** A lowered {@code PRAGMA synchronous}, restored by {@link #close}. */
  public final class RelaxedSync implements AutoCloseable {
    private final int previous;

    private RelaxedSync(int previous) {
      this.previous = previous;
    }

    @Override
    public void close() {
      read(
          c -> {
            try (Statement statement = c.createStatement()) {
              statement.execute("PRAGMA synchronous = " + previous);
            }
            return null;
          });
    }
  }

  /**
   * Lowers {@code PRAGMA synchronous} to NORMAL until the handle is closed: in WAL mode commits
   * stay atomic and survive a crash of the process, but are not synced to disk one by one, so a
   * power cut may lose the last few. Only for transactions that are simply fetched again when lost:
   * pulled pages, which commit together with their cursor. Never around a push (its inflight
   * request must be on disk before the batch is sent). Call outside a transaction.
   */
  public RelaxedSync relaxedSync() {
    int previous =
        read(
            c -> {
              Jdbc jdbc = new Jdbc(c);
              Long mode = jdbc.first("PRAGMA synchronous", row -> row.getLong(1));
              jdbc.executeAll(java.util.List.of("PRAGMA synchronous = NORMAL"));
              return mode == null ? 2 : mode.intValue();
            });
    return new RelaxedSync(previous);
  }

  @Override
  public void close() {
    try {
      connection.close();
    } catch (SQLException e) {
      throw storage(e);
    }
  }
}
