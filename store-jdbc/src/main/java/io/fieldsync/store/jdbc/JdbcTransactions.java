package io.fieldsync.store.jdbc;

import io.fieldsync.StorageException;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Runs work in transactions on the backend's connections (from {@link JdbcSyncStore}'s acquire and
 * release hooks), rolls back when the work fails, and turns an {@link SQLException} into a {@link
 * StorageException} that names the store and what failed, retriable when the dialect says the
 * failure is transient. Thread-safe.
 */
final class JdbcTransactions {
  private final JdbcSyncStore store;
  private final Dialect dialect;

  JdbcTransactions(JdbcSyncStore store, Dialect dialect) {
    this.store = store;
    this.dialect = dialect;
  }

  /** Work done with one connection inside one transaction. */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  Dialect dialect() {
    return dialect;
  }

  /** Where the store lives, for messages. */
  String location() {
    return store.location();
  }

  /** Runs {@code work} in one read-only snapshot transaction. */
  <T> T read(String what, Work<T> work) {
    Connection connection;
    try {
      connection = store.acquireReader();
    } catch (SQLException e) {
      throw failure("opening a read connection", e, true);
    }
    boolean[] broken = {false};
    try {
      return inTransaction(connection, false, what, work, broken);
    } finally {
      store.releaseReader(connection, broken[0]);
    }
  }

  /**
   * Runs {@code work} in one write transaction of its own: maintenance and administration, not a
   * push (those lock the tenant's sequence, see {@link JdbcSyncStore#write}).
   */
  <T> T writeAlone(String what, Work<T> work) {
    Connection connection = writer();
    boolean[] broken = {false};
    try {
      return inTransaction(connection, true, what, work, broken);
    } finally {
      store.releaseWriter(connection, broken[0]);
    }
  }

  /** A write connection; give it back with {@link #releaseWriter}. */
  Connection writer() {
    try {
      return store.acquireWriter();
    } catch (SQLException e) {
      throw failure("opening a write connection", e, true);
    }
  }

  void releaseWriter(Connection connection, boolean broken) {
    store.releaseWriter(connection, broken);
  }

  /**
   * Runs {@code work} between begin and commit on {@code connection}, rolling back when it fails;
   * sets {@code broken[0]} when the connection may no longer be usable.
   */
  private <T> T inTransaction(
      Connection connection, boolean write, String what, Work<T> work, boolean[] broken) {
    try {
      if (write) {
        dialect.beginWrite(connection);
      } else {
        dialect.beginRead(connection);
      }
      try {
        T result = work.run(connection);
        dialect.commit(connection);
        return result;
      } catch (RuntimeException | SQLException e) {
        try {
          dialect.rollback(connection);
        } catch (SQLException rollback) {
          broken[0] = true;
          e.addSuppressed(rollback);
        }
        throw e;
      }
    } catch (SQLException e) {
      broken[0] = true;
      throw failure(what, e);
    }
  }

  StorageException failure(String what, SQLException e) {
    return failure(what, e, dialect.isTransient(e));
  }

  /** A failure to report; retriable when the database was busy or unreachable. */
  StorageException failure(String what, SQLException e, boolean retriable) {
    String message =
        dialect.name()
            + " store "
            + location()
            + ": failed "
            + what
            + ": "
            + e.getMessage()
            + (e.getSQLState() == null ? "" : " (SQLState " + e.getSQLState() + ")");
    return new StorageException(message, e, retriable);
  }
}
