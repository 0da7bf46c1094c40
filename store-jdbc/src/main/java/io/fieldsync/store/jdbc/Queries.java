package io.fieldsync.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * One-off statements on one connection, their {@code ?} arguments bound by position: a {@code
 * String}, {@code Long}, {@code Integer} or {@code byte[]} each. Each call prepares, runs and
 * closes its statement; statements a transaction runs many times are prepared once elsewhere.
 *
 * <p>Not thread-safe: use it where the connection is used, inside one transaction.
 */
public final class Queries {
  private final Connection connection;

  public Queries(Connection connection) {
    this.connection = connection;
  }

  /** Reads one row of a result. */
  @FunctionalInterface
  public interface RowReader<T> {
    T read(ResultSet row) throws SQLException;
  }

  /** The first column of the first row as a number, 0 when there is no row (or it is null). */
  public long queryLong(String sql, Object... args) throws SQLException {
    try (PreparedStatement statement = prepare(sql, args);
        ResultSet rows = statement.executeQuery()) {
      return rows.next() ? rows.getLong(1) : 0L;
    }
  }

  /** Every row of the result, read in order. */
  public <T> List<T> queryList(String sql, RowReader<T> reader, Object... args)
      throws SQLException {
    List<T> result = new ArrayList<>();
    try (PreparedStatement statement = prepare(sql, args);
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        result.add(reader.read(rows));
      }
    }
    return result;
  }

  /** Runs an INSERT, UPDATE or DELETE and returns how many rows it changed. */
  public int update(String sql, Object... args) throws SQLException {
    try (PreparedStatement statement = prepare(sql, args)) {
      return statement.executeUpdate();
    }
  }

  /** Runs any statement (DDL, {@code LISTEN}, a {@code SELECT} of a function), ignoring results. */
  public void execute(String sql, Object... args) throws SQLException {
    try (PreparedStatement statement = prepare(sql, args)) {
      statement.execute();
    }
  }

  private PreparedStatement prepare(String sql, Object... args) throws SQLException {
    PreparedStatement statement = connection.prepareStatement(sql);
    try {
      bind(statement, args);
    } catch (SQLException | RuntimeException e) {
      statement.close();
      throw e;
    }
    return statement;
  }

  /**
   * Binds {@code args} to the statement's parameters 1, 2, 3…
   *
   * @throws IllegalArgumentException for an argument that is not a String, Long, Integer or byte[]
   */
  public static void bind(PreparedStatement statement, Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      int index = i + 1;
      Object arg = args[i];
      if (arg instanceof String text) {
        statement.setString(index, text);
      } else if (arg instanceof Long number) {
        statement.setLong(index, number);
      } else if (arg instanceof Integer number) {
        statement.setInt(index, number);
      } else if (arg instanceof byte[] bytes) {
        statement.setBytes(index, bytes);
      } else {
        throw new IllegalArgumentException(
            "cannot bind parameter "
                + index
                + " of type "
                + (arg == null ? "null" : arg.getClass().getName())
                + "; bind a String, Long, Integer or byte[]");
      }
    }
  }
}
