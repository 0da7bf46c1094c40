package io.fieldsync.client.internal.state;

import io.fieldsync.ConfigException;
import io.fieldsync.StorageException;
import io.fieldsync.client.DeviceKey;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
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

  private static final int SQLITE_BUSY = 5;
  private static final int SQLITE_NOTADB = 26;

  /** Work on a connection, inside a transaction or a read. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  private final DeviceFile file;
  private final Connection connection;
  private final DeviceState state;

  private DeviceDatabase(DeviceFile file, Connection connection) {
    this.file = file;
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
    return open(DeviceFile.plain(path));
  }

  /**
   * {@link #open(Path)} for a database that may be encrypted: before anything is written, reads the
   * schema, which fails on an encrypted file without its key and on a wrong key. The file is never
   * read outside SQLite: closing any other descriptor of it would drop the locks this process's
   * connections hold on it.
   *
   * @throws ConfigException when a key is missing or wrong (or given for an unencrypted file); the
   *     file is left as it was
   * @throws StorageException when the file cannot be opened
   */
  public static DeviceDatabase open(DeviceFile file) {
    Connection connection = connect(file, true);
    try (Statement statement = connection.createStatement();
        ResultSet probe = statement.executeQuery("SELECT count(*) FROM sqlite_master")) {
      probe.next();
    } catch (SQLException e) {
      try {
        connection.close();
      } catch (SQLException close) {
        e.addSuppressed(close);
      }
      throw unopened(file, e);
    }
    return new DeviceDatabase(file, connection);
  }

  /**
   * A connection with foreign keys off and a 10 s busy timeout.
   *
   * @param immediate whether transactions take the write lock at BEGIN
   * @throws StorageException when the file cannot be opened
   */
  public static Connection connect(Path database, boolean immediate) {
    return connect(DeviceFile.plain(database), immediate);
  }

  /**
   * {@link #connect(Path, boolean)} to a database that may be encrypted: an encrypted one is opened
   * with its key (SQLCipher 4 format) through SQLite3 Multiple Ciphers ({@link CipherDriver}).
   *
   * @throws StorageException when the file cannot be opened
   */
  public static Connection connect(DeviceFile file, boolean immediate) {
    SQLiteConfig config = new SQLiteConfig();
    config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
    config.enforceForeignKeys(false);
    if (immediate) {
      config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
      // The engine never asks for generated keys; with them on, the driver runs an extra
      // "SELECT last_insert_rowid()" after every INSERT it executes (each pulled row).
      config.setGetGeneratedKeys(false);
    }
    String url = "jdbc:sqlite:" + file.path();
    try {
      if (file.encrypted()) {
        Properties properties = config.toProperties();
        properties.setProperty("cipher", "sqlcipher");
        properties.setProperty("legacy", "4");
        properties.setProperty("key", keyLiteral(file.key()));
        return CipherDriver.connect(url, properties);
      }
      // Straight to the SQLite driver: DriverManager would first load every JDBC driver on the
      // class path (PostgreSQL's included), a noticeable part of a short command's start.
      return JDBC.createConnection(url, config.toProperties());
    } catch (SQLException e) {
      throw unopened(file, e);
    }
  }

  private static RuntimeException unopened(DeviceFile file, SQLException e) {
    if (e.getErrorCode() == SQLITE_NOTADB && file.encrypted()) {
      return new ConfigException(
          "the key does not open "
              + file
              + ": it is a wrong key, or the file is not an encrypted device database (an"
              + " unencrypted one opens without a key)",
          e);
    }
    if (e.getErrorCode() == SQLITE_NOTADB) {
      return new ConfigException(
          file
              + " is encrypted or is not a SQLite database; give its key (--key-file,"
              + " FieldSyncClient.Builder.key)",
          e);
    }
    return new StorageException("cannot open local database " + file + ": " + e, e);
  }

  /**
   * Changes the key of the encrypted database {@code file} to {@code next}. SQLite3 Multiple
   * Ciphers rekeys only outside write-ahead logging, so the file leaves WAL mode for the rekey and
   * returns to it after; no other connection may have it open.
   *
   * @throws ConfigException when the current key does not open the file, or another connection has
   *     it open; the file keeps its key then
   * @throws StorageException when the file cannot be rewritten
   */
  public static void rekey(DeviceFile file, DeviceKey next) {
    if (!file.encrypted()) {
      throw new IllegalArgumentException(file + ": rekey needs the current key");
    }
    try (DeviceDatabase database = open(file)) {
      database.read(
          c -> {
            Jdbc jdbc = new Jdbc(c);
            String mode = jdbc.first("PRAGMA journal_mode", row -> row.getString(1));
            jdbc.executeAll(List.of("PRAGMA busy_timeout = 0"));
            String rollback;
            try {
              rollback = jdbc.first("PRAGMA journal_mode = DELETE", row -> row.getString(1));
            } catch (SQLException e) {
              if ((e.getErrorCode() & 0xff) != SQLITE_BUSY) {
                throw e;
              }
              rollback = null;
            }
            if (!"delete".equalsIgnoreCase(rollback)) {
              throw new ConfigException(
                  "another connection has "
                      + file
                      + " open; close every client of it before changing its key");
            }
            try {
              jdbc.executeAll(List.of("PRAGMA rekey = \"" + keyLiteral(next) + "\""));
            } finally {
              jdbc.executeAll(List.of("PRAGMA journal_mode = " + mode));
            }
            return null;
          });
    }
  }

  /** SQLCipher's raw key form, {@code x'<64 hex digits>'}: used as is, without key stretching. */
  private static String keyLiteral(DeviceKey key) {
    byte[] bytes = key.bytes();
    StringBuilder literal = new StringBuilder(3 + 2 * bytes.length).append("x'");
    for (byte b : bytes) {
      literal
          .append(Character.forDigit((b >> 4) & 0xf, 16))
          .append(Character.forDigit(b & 0xf, 16));
    }
    Arrays.fill(bytes, (byte) 0);
    return literal.append('\'').toString();
  }

  public static StorageException storage(SQLException e) {
    return new StorageException("local database failed: " + e.getMessage(), e);
  }

  public Path path() {
    return file.path();
  }

  /** The file and its key, for further connections. */
  public DeviceFile file() {
    return file;
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
              jdbc.executeAll(List.of("PRAGMA synchronous = NORMAL"));
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
