package io.fieldsync.store.jdbc;

import io.fieldsync.schema.ColumnType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.List;
import java.util.StringJoiner;

/**
 * What one SQL database does differently, so {@link JdbcSyncStore} can run the same sync engine on
 * SQLite and PostgreSQL. The defaults are standard SQL that both accept ({@code INSERT … ON
 * CONFLICT … DO UPDATE}, {@code RETURNING}); a backend overrides only where it differs.
 *
 * <p>The one promise a dialect must keep: {@link #lockSequence} serialises writers of one tenant
 * until their transaction ends, so sequence numbers commit in the order they were allocated and a
 * pull can never see {@code n + 1} before {@code n}.
 *
 * <p>Implementations are stateless and thread-safe.
 */
public interface Dialect {

  /** The backend name for logs: {@code sqlite}, {@code postgresql}. */
  String name();

  /** The SQL type of a user-table column of this schema type. */
  String columnType(ColumnType type);

  /** The type of a binary column: {@code BLOB} or {@code BYTEA}. */
  String blobType();

  /**
   * Whether a lookup of records by id takes the ids as one array argument, each found by its own
   * probe of the primary key ({@code unnest} joined laterally), instead of an {@code IN} list of
   * placeholders. The lateral probes keep the plan of a prepared lookup right whatever the tables'
   * statistics said when it was planned.
   */
  default boolean looksUpIdsByArray() {
    return false;
  }

  /** The type of a 64-bit integer column. */
  default String bigintType() {
    return "BIGINT";
  }

  /** A column definition of an auto-assigned 64-bit primary key named {@code id}. */
  String autoIdColumn();

  /**
   * An SQL expression that converts {@code textExpression} (a record id, stored as text in the
   * metadata tables) to the type of a key column, so the two compare with the column's index.
   * SQLite compares text with any column as it is; PostgreSQL needs a cast ({@code uuid}, {@code
   * bigint}).
   */
  default String keyFromText(String textExpression, ColumnType type) {
    return textExpression;
  }

  /** Quotes an identifier (table or column name). */
  default String quote(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }

  /**
   * An insert-or-update statement with one {@code ?} per column, in the order given.
   *
   * @param keys the columns of the conflict target (the primary key), a prefix of {@code columns}
   */
  default String upsert(String table, List<String> keys, List<String> columns) {
    StringJoiner names = new StringJoiner(", ");
    StringJoiner marks = new StringJoiner(", ");
    StringJoiner target = new StringJoiner(", ");
    StringJoiner updates = new StringJoiner(", ");
    for (String column : columns) {
      names.add(quote(column));
      marks.add("?");
      if (!keys.contains(column)) {
        updates.add(quote(column) + " = excluded." + quote(column));
      }
    }
    for (String key : keys) {
      target.add(quote(key));
    }
    String action = updates.length() == 0 ? "DO NOTHING" : "DO UPDATE SET " + updates;
    return "INSERT INTO "
        + quote(table)
        + " ("
        + names
        + ") VALUES ("
        + marks
        + ") ON CONFLICT ("
        + target
        + ") "
        + action;
  }

  /**
   * Locks the tenant's row of {@code _fs_sequence} for the rest of the current write transaction
   * (creating it at 0 when missing) and returns its value. The default upsert takes a row lock on
   * PostgreSQL and the database write lock on SQLite.
   */
  default long lockSequence(Connection connection, String tenant) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "INSERT INTO _fs_sequence (tenant, value) VALUES (?, 0) ON CONFLICT (tenant)"
                + " DO UPDATE SET value = _fs_sequence.value RETURNING value")) {
      statement.setString(1, tenant);
      try (ResultSet rows = statement.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  /** Starts a write transaction. */
  default void beginWrite(Connection connection) throws SQLException {
    connection.setAutoCommit(false);
  }

  /**
   * Starts a read-only transaction whose reads all see one snapshot (the pull page and the sequence
   * must agree).
   */
  default void beginRead(Connection connection) throws SQLException {
    connection.setAutoCommit(false);
    connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
  }

  default void commit(Connection connection) throws SQLException {
    connection.commit();
    connection.setAutoCommit(true);
  }

  /** Rolls back; must not throw when no transaction is open. */
  default void rollback(Connection connection) throws SQLException {
    if (!connection.getAutoCommit()) {
      connection.rollback();
      connection.setAutoCommit(true);
    }
  }

  /** Runs one DDL or maintenance statement. */
  default void execute(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  /** Binds a canonical value (see {@link ColumnType}) of a user column. */
  default void bind(PreparedStatement statement, int index, ColumnType type, Object value)
      throws SQLException {
    if (value == null) {
      statement.setNull(index, sqlType(type));
      return;
    }
    switch (type) {
      case INTEGER -> statement.setLong(index, (Long) value);
      case REAL -> statement.setDouble(index, (Double) value);
      case BOOLEAN -> statement.setBoolean(index, (Boolean) value);
      default -> statement.setString(index, (String) value);
    }
  }

  /** Reads a text column as it is stored; null for SQL NULL. */
  default String readText(ResultSet rows, int index) throws SQLException {
    return rows.getString(index);
  }

  /** Reads a user column into its canonical value. */
  default Object read(ResultSet rows, int index, ColumnType type) throws SQLException {
    Object raw = rows.getObject(index);
    return raw == null ? null : type.coerce(raw);
  }

  /** The {@link Types} code used to bind a null of the type. */
  default int sqlType(ColumnType type) {
    return switch (type) {
      case INTEGER -> Types.BIGINT;
      case REAL -> Types.DOUBLE;
      case BOOLEAN -> Types.BOOLEAN;
      default -> Types.VARCHAR;
    };
  }

  /** Whether a failure means the database was busy or unreachable (worth retrying later). */
  default boolean isTransient(SQLException failure) {
    String state = failure.getSQLState();
    return state != null && (state.startsWith("08") || state.startsWith("40"));
  }
}
