package io.fieldsync.client;

import io.fieldsync.client.internal.state.DeviceDatabase;
import io.fieldsync.client.internal.state.Jdbc;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A query {@link FieldSyncClient#watch} runs again whenever one of the tables it reads changed. The
 * tables are found from the query's SQLite program ({@code EXPLAIN}): every table or index it
 * opens, views resolved to their tables. Only changes to synced tables are noticed (the capture log
 * and the client's syncs report them); a table of the application's own is read but never triggers.
 *
 * <p>Thread-safe. {@link #close()} stops it; so does closing the client.
 */
public final class QueryWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(QueryWatch.class);

  private final String sql;
  private final List<Object> params;
  private final Set<String> tables;
  private final QueryListener listener;
  private final ChangeFeed feed;

  private QueryWatch(
      String sql,
      List<Object> params,
      Set<String> tables,
      QueryListener listener,
      ChangeFeed feed) {
    this.sql = sql;
    this.params = params;
    this.tables = tables;
    this.listener = listener;
    this.feed = feed;
  }

  /**
   * A watch of {@code sql}, its tables read from the query's program on {@code connection}.
   *
   * @throws IllegalArgumentException when the statement does not compile, or writes
   */
  static QueryWatch of(
      Connection connection, String sql, List<?> params, QueryListener listener, ChangeFeed feed) {
    Map<Long, String> tableOfRootPage = new LinkedHashMap<>();
    Set<String> read = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    try {
      for (Object[] entry :
          new Jdbc(connection)
              .list(
                  "SELECT rootpage, tbl_name FROM sqlite_schema WHERE type IN ('table', 'index')"
                      + " AND rootpage > 0",
                  row -> new Object[] {row.getLong(1), row.getString(2)})) {
        tableOfRootPage.put((Long) entry[0], (String) entry[1]);
      }
      try (PreparedStatement query = connection.prepareStatement(sql)) {
        int expected = query.getParameterMetaData().getParameterCount();
        if (expected != params.size()) {
          throw new IllegalArgumentException(
              "query has " + expected + " parameters, found " + params.size() + " values: " + sql);
        }
      }
      try (PreparedStatement explain = connection.prepareStatement("EXPLAIN " + sql);
          ResultSet program = explain.executeQuery()) {
        while (program.next()) {
          String opcode = program.getString("opcode");
          long database = program.getLong("p3");
          if ("OpenWrite".equals(opcode)) {
            throw new IllegalArgumentException(
                "watch needs a query that only reads, but this statement writes: " + sql);
          }
          if (("OpenRead".equals(opcode) || "ReopenIdx".equals(opcode)) && database == 0) {
            String table = tableOfRootPage.get(program.getLong("p2"));
            if (table != null) {
              read.add(table);
            }
          }
        }
      }
    } catch (SQLException e) {
      throw new IllegalArgumentException(
          "cannot watch query \"" + sql + "\": " + e.getMessage(), e);
    }
    return new QueryWatch(
        sql,
        Collections.unmodifiableList(new ArrayList<>(params)),
        Collections.unmodifiableSet(read),
        listener,
        feed);
  }

  /** The tables the query reads; a change to one of them runs it again. */
  public Set<String> tables() {
    return tables;
  }

  /** Whether {@code changes} touch a table the query reads. */
  boolean touchedBy(Set<String> changedTables) {
    for (String table : changedTables) {
      if (tables.contains(table)) {
        return true;
      }
    }
    return false;
  }

  /** Runs the query on {@code connection} and hands the rows to the listener. */
  void run(Connection connection) {
    List<Map<String, Object>> rows = new ArrayList<>();
    try (PreparedStatement query = connection.prepareStatement(sql)) {
      Jdbc.bind(query, params.toArray());
      try (ResultSet result = query.executeQuery()) {
        ResultSetMetaData columns = result.getMetaData();
        while (result.next()) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int column = 1; column <= columns.getColumnCount(); column++) {
            row.put(columns.getColumnLabel(column), result.getObject(column));
          }
          rows.add(Collections.unmodifiableMap(row));
        }
      }
    } catch (SQLException e) {
      tell(() -> listener.failed(DeviceDatabase.storage(e)));
      return;
    }
    List<Map<String, Object>> result = Collections.unmodifiableList(rows);
    tell(() -> listener.results(result));
  }

  private void tell(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      LOG.warn("query listener {} failed", listener, e);
    }
  }

  /** Stops watching. Idempotent. */
  @Override
  public void close() {
    feed.unwatch(this);
  }

  @Override
  public String toString() {
    return "QueryWatch[" + sql + " on " + tables + "]";
  }
}
