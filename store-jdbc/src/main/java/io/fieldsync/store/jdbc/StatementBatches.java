package io.fieldsync.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The prepared statements of a write connection: each SQL text is prepared once and reused, and
 * writes are queued as JDBC batches per target table, run by {@link #flush} (before any read and at
 * commit). Writes to one target keep their order: queueing on another statement of the same target
 * runs the batch queued before it first. Lives for one transaction, or across the transactions of a
 * connection that outlives them ({@link #reset} between them). Not thread-safe.
 */
final class StatementBatches {
  private final Connection connection;
  private final Map<String, PreparedStatement> statements = new HashMap<>();

  /** Per target table, the statement with queued batch rows (at most one per target). */
  private final Map<String, PreparedStatement> pending = new LinkedHashMap<>();

  StatementBatches(Connection connection) {
    this.connection = connection;
  }

  /** The statement of {@code sql}, prepared on first use. */
  PreparedStatement prepare(String sql) throws SQLException {
    PreparedStatement statement = statements.get(sql);
    if (statement == null) {
      statement = connection.prepareStatement(sql);
      statements.put(sql, statement);
    }
    return statement;
  }

  /**
   * The statement to add a batch row to (the caller binds it and calls {@code addBatch}), running
   * first another statement queued on the same target.
   */
  PreparedStatement queue(String target, String sql) throws SQLException {
    PreparedStatement statement = prepare(sql);
    PreparedStatement queued = pending.get(target);
    if (queued != statement) {
      if (queued != null) {
        executeBatch(queued);
      }
      pending.put(target, statement);
    }
    return statement;
  }

  /** Runs every queued batch. */
  void flush() throws SQLException {
    for (PreparedStatement statement : pending.values()) {
      executeBatch(statement);
    }
    pending.clear();
  }

  /**
   * Drops the rows queued and not flushed (a transaction that rolled back) and keeps the statements
   * prepared for the connection's next transaction.
   */
  void reset() throws SQLException {
    for (PreparedStatement statement : pending.values()) {
      statement.clearBatch();
    }
    pending.clear();
  }

  /** The connection whose statements these are. */
  Connection connection() {
    return connection;
  }

  /** Closes every statement; queued rows that were not flushed are dropped. */
  void close() {
    for (PreparedStatement statement : statements.values()) {
      try {
        statement.close();
      } catch (SQLException ignored) {
        // closing a statement of a finished transaction: nothing to recover
      }
    }
    statements.clear();
    pending.clear();
  }

  /**
   * pgjdbc (42.7) throws an {@link AssertionError} ("getAutoCommit() should not throw") from {@code
   * executeBatch} when the session dies under a running batch (a killed backend, a cut connection).
   * That is a lost connection, so it becomes the SQLException of one (SQLState 08006): the write
   * fails retriably and the connection is discarded, instead of the error escaping as a server bug.
   */
  private void executeBatch(PreparedStatement statement) throws SQLException {
    try {
      statement.executeBatch();
    } catch (AssertionError e) {
      // (a pooled connection's isClosed() says whether the pool handle is closed, not the
      // session: ask the session itself)
      if (connection.isValid(1)) {
        throw e;
      }
      throw new SQLException(
          "the database connection was lost during a batch: " + e.getMessage(), "08006", e);
    }
  }
}
