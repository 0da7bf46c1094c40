package io.fieldsync.client.internal.state;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Statements on one connection of the device database: binds arguments in order and closes what it
 * opens. Not thread-safe, like the connection.
 */
public final class Jdbc {
  /** Reads one row of a result. */
  @FunctionalInterface
  public interface RowReader<T> {
    T read(ResultSet row) throws SQLException;
  }

  private final Connection connection;

  public Jdbc(Connection connection) {
    this.connection = connection;
  }

  public Connection connection() {
    return connection;
  }

  /** Runs an INSERT, UPDATE or DELETE; returns the rows it changed. */
  public int update(String sql, Object... args) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      bind(statement, args);
      return statement.executeUpdate();
    }
  }

  /** Runs statements without parameters (DDL, triggers) in order. */
  public void executeAll(List<String> statements) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }

  /** The rows {@code sql} selects, each read by {@code reader}. */
  public <T> List<T> list(String sql, RowReader<T> reader, Object... args) throws SQLException {
    List<T> result = new ArrayList<>();
    try (PreparedStatement select = connection.prepareStatement(sql)) {
      bind(select, args);
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          result.add(reader.read(rows));
        }
      }
    }
    return result;
  }

  /** The first row {@code sql} selects, read by {@code reader}; null when there is none. */
  public <T> T first(String sql, RowReader<T> reader, Object... args) throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(sql)) {
      bind(select, args);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next() ? reader.read(rows) : null;
      }
    }
  }

  /** The first column of the first row, as a long; 0 when there is no row or it is null. */
  public long longValue(String sql, Object... args) throws SQLException {
    Long value = first(sql, row -> row.getLong(1), args);
    return value == null ? 0 : value;
  }

  public long count(String table) throws SQLException {
    return longValue("SELECT count(*) FROM " + table);
  }

  /** The rowid of the last row this connection inserted. */
  public long lastInsertId() throws SQLException {
    return longValue("SELECT last_insert_rowid()");
  }

  /**
   * Binds {@code args} to the statement's parameters in order; parameters beyond the arguments
   * (numbered ones such as {@code ?2} counted once each) get null.
   */
  public static void bind(PreparedStatement statement, Object... args) throws SQLException {
    int parameters = statement.getParameterMetaData().getParameterCount();
    for (int i = 0; i < parameters; i++) {
      statement.setObject(i + 1, i < args.length ? args[i] : null);
    }
  }

  /** JDBC hands back Integer for small integers; the engine speaks Long. */
  public static Object normalize(Object value) {
    return value instanceof Integer number ? Long.valueOf(number.longValue()) : value;
  }
}
