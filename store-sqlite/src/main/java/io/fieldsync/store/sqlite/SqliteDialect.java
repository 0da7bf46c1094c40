package io.fieldsync.store.sqlite;

import io.fieldsync.schema.ColumnType;
import io.fieldsync.store.jdbc.Dialect;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * SQLite: transactions are begun and ended with plain statements (the driver's own {@code
 * setAutoCommit(false)} would hold a transaction open between uses), writes take the database lock
 * up front ({@code BEGIN IMMEDIATE}), and a deferred {@code BEGIN} on a reader gives one WAL
 * snapshot for every read of a pull.
 */
final class SqliteDialect implements Dialect {
  static final SqliteDialect INSTANCE = new SqliteDialect();

  private SqliteDialect() {}

  @Override
  public String name() {
    return "sqlite";
  }

  @Override
  public String columnType(ColumnType type) {
    return type.sqliteType();
  }

  /**
   * The text's UTF-8 bytes as SQLite holds them, decoded here: the driver's {@code getString} wraps
   * them in a direct buffer and copies them out of it first, a sixth of a pulled record's column
   * reads. SQLite converts a number to its text for either call alike.
   */
  @Override
  public String readText(ResultSet rows, int index) throws SQLException {
    byte[] utf8 = rows.getBytes(index);
    return utf8 == null ? null : new String(utf8, StandardCharsets.UTF_8);
  }

  /**
   * A real goes in as the canonical {@link Double} it already is: the driver's {@code setDouble}
   * boxes its argument again, once per real a push writes.
   */
  @Override
  public void bind(PreparedStatement statement, int index, ColumnType type, Object value)
      throws SQLException {
    if (type == ColumnType.REAL && value instanceof Double real) {
      statement.setObject(index, real);
      return;
    }
    Dialect.super.bind(statement, index, type, value);
  }

  /**
   * Columns stored as text are read as text: one call into the driver instead of two (the value's
   * storage class, then the value). JSON is not parsed again: the server checked it when it was
   * written. Integers and booleans are read as a {@code long} (one call instead of two), reals as a
   * {@code double} (two instead of three): every write coerces a value to its column's type and a
   * migration never changes a column's type, so these columns hold only integers, reals and nulls.
   * The driver reads a null as 0, so a 0 is read again the general way, which tells it from null.
   */
  @Override
  public Object read(ResultSet rows, int index, ColumnType type) throws SQLException {
    switch (type) {
      case TEXT:
      case JSON:
        return readText(rows, index);
      case UUID:
      case TIMESTAMP:
        String text = readText(rows, index);
        return text == null ? null : type.coerce(text);
      case INTEGER:
      case BOOLEAN:
        long integer = rows.getLong(index);
        return integer == 0 ? Dialect.super.read(rows, index, type) : type.coerce(integer);
      case REAL:
        double real = rows.getDouble(index);
        return real == 0 ? Dialect.super.read(rows, index, type) : type.coerce(real);
      default:
        return Dialect.super.read(rows, index, type);
    }
  }

  @Override
  public String blobType() {
    return "BLOB";
  }

  @Override
  public String bigintType() {
    return "INTEGER";
  }

  /**
   * A plain rowid alias: a new row gets the largest id plus one. {@code AUTOINCREMENT} would add a
   * write to {@code sqlite_sequence} for every inserted row (every journal entry of a push) only to
   * keep ids of deleted rows from coming back, and journal and review rows are never deleted.
   */
  @Override
  public String autoIdColumn() {
    return "id INTEGER PRIMARY KEY";
  }

  @Override
  public void beginWrite(Connection connection) throws SQLException {
    execute(connection, "BEGIN IMMEDIATE");
  }

  @Override
  public void beginRead(Connection connection) throws SQLException {
    execute(connection, "BEGIN DEFERRED");
  }

  @Override
  public void commit(Connection connection) throws SQLException {
    execute(connection, "COMMIT");
  }

  @Override
  public void rollback(Connection connection) throws SQLException {
    if (!connection.isClosed()) {
      try {
        execute(connection, "ROLLBACK");
      } catch (SQLException e) {
        if (e.getMessage() == null || !e.getMessage().contains("no transaction is active")) {
          throw e;
        }
      }
    }
  }

  /** Locked, or a disk that is full, failing or gone: all may clear without a code change. */
  @Override
  public boolean isTransient(SQLException failure) {
    String message = String.valueOf(failure.getMessage());
    return message.contains("SQLITE_BUSY")
        || message.contains("SQLITE_LOCKED")
        || message.contains("SQLITE_FULL")
        || message.contains("SQLITE_IOERR")
        || message.contains("SQLITE_CANTOPEN");
  }
}
