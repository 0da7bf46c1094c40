package io.fieldsync.testkit;

import io.fieldsync.StorageException;
import io.fieldsync.TransportException;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.SyncResult;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A field device for tests: the real {@link FieldSyncClient} on a real SQLite file {@code NAME.db},
 * with shortcuts for the application's SQL and for reading the replica. Not thread-safe.
 */
public final class TestDevice implements AutoCloseable {
  /** How often {@link #syncThroughFaults()} tries before it gives up. */
  private static final int SYNC_ATTEMPTS = 50;

  private final String name;
  private final Path database;
  private final FieldSyncClient client;
  private boolean closed;

  private TestDevice(String name, Path database, FieldSyncClient client) {
    this.name = name;
    this.database = database;
    this.client = client;
  }

  /** Initializes {@code NAME.db} in {@code directory} against the server's first node over HTTP. */
  public static TestDevice init(TestServer server, Path directory, String name) {
    return init(server, 0, directory, name, UnaryOperator.identity());
  }

  /**
   * Initializes {@code NAME.db} against a node, with builder settings of the caller's choosing (a
   * faulty transport, a seed, page sizes); the caller closes it.
   */
  public static TestDevice init(
      TestServer server,
      int node,
      Path directory,
      String name,
      UnaryOperator<FieldSyncClient.Builder> settings) {
    Path database = directory.resolve(name + ".db");
    FieldSyncClient.Builder builder =
        FieldSyncClient.builder(database).server(server.uri(node)).token(server.token(name));
    return new TestDevice(name, database, settings.apply(builder).initialize());
  }

  /** Opens an existing device database again (after a close or a crash); the caller closes it. */
  public static TestDevice open(
      Path database, String name, UnaryOperator<FieldSyncClient.Builder> settings) {
    return new TestDevice(name, database, settings.apply(FieldSyncClient.builder(database)).open());
  }

  public String name() {
    return name;
  }

  public Path database() {
    return database;
  }

  public FieldSyncClient client() {
    return client;
  }

  /** One sync cycle. */
  public SyncResult sync() {
    return client.syncNow();
  }

  /**
   * Syncs, trying again after transport failures (a faulty transport drops responses).
   *
   * @throws TransportException when {@value #SYNC_ATTEMPTS} attempts in a row failed
   */
  public SyncResult syncThroughFaults() {
    for (int attempt = 1; ; attempt++) {
      try {
        return client.syncNow();
      } catch (TransportException e) {
        if (attempt == SYNC_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  /** Syncs each device in turn, each {@linkplain #syncThroughFaults() through faults}. */
  public static void syncAll(TestDevice... devices) {
    for (TestDevice device : devices) {
      device.syncThroughFaults();
    }
  }

  /**
   * Runs statements through a fresh connection of the application (autocommit each).
   *
   * @return the update count of the last statement
   */
  public int sql(String... statements) {
    try (Connection connection = client.connection();
        Statement statement = connection.createStatement()) {
      int count = 0;
      for (String sql : statements) {
        count = statement.executeUpdate(sql);
      }
      return count;
    } catch (SQLException e) {
      throw new StorageException(name + ": " + e.getMessage(), e);
    }
  }

  /** Runs one statement with bound parameters; returns its update count. */
  public int execute(String sql, Object... parameters) {
    try (Connection connection = client.connection();
        PreparedStatement statement = prepare(connection, sql, parameters)) {
      return statement.executeUpdate();
    } catch (SQLException e) {
      throw new StorageException(name + ": " + sql + ": " + e.getMessage(), e);
    }
  }

  /** The first column of the first row of a query, Integer widened to Long, or null. */
  public Object scalar(String query) {
    Object value = value(query);
    return value instanceof Integer number ? Long.valueOf(number.longValue()) : value;
  }

  /** The first column of the first row of a query with bound parameters, as the driver gives it. */
  public Object value(String query, Object... parameters) {
    try (Connection connection = client.connection();
        PreparedStatement statement = prepare(connection, query, parameters);
        ResultSet rows = statement.executeQuery()) {
      return rows.next() ? rows.getObject(1) : null;
    } catch (SQLException e) {
      throw new StorageException(name + ": " + query + ": " + e.getMessage(), e);
    }
  }

  /** The rows of a query with bound parameters, column label to value, Integer widened to Long. */
  public List<Map<String, Object>> query(String sql, Object... parameters) {
    List<Map<String, Object>> result = new ArrayList<>();
    try (Connection connection = client.connection();
        PreparedStatement statement = prepare(connection, sql, parameters);
        ResultSet rows = statement.executeQuery()) {
      ResultSetMetaData meta = rows.getMetaData();
      while (rows.next()) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          Object value = rows.getObject(i);
          row.put(
              meta.getColumnLabel(i),
              value instanceof Integer number ? Long.valueOf(number.longValue()) : value);
        }
        result.add(row);
      }
    } catch (SQLException e) {
      throw new StorageException(name + ": " + sql + ": " + e.getMessage(), e);
    }
    return result;
  }

  /** The outbox's rows in order: id, tbl, rid, op, vals, extra, hlc, device, base. */
  public List<Map<String, Object>> log() {
    return query(
        "SELECT id, tbl, rid, op, vals, extra, hlc, device, base FROM _fs_changelog ORDER BY id");
  }

  /** A table's rows ordered by primary key, column to value as the driver gives it. */
  public List<Map<String, Object>> rows(String table) {
    List<Map<String, Object>> result = new ArrayList<>();
    try (Connection connection = client.connection();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT * FROM \"" + table + "\" ORDER BY 1")) {
      ResultSetMetaData meta = rows.getMetaData();
      while (rows.next()) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          row.put(meta.getColumnName(i), rows.getObject(i));
        }
        result.add(row);
      }
    } catch (SQLException e) {
      throw new StorageException(name + ": rows of " + table + ": " + e.getMessage(), e);
    }
    return result;
  }

  private static PreparedStatement prepare(Connection connection, String sql, Object... parameters)
      throws SQLException {
    PreparedStatement statement = connection.prepareStatement(sql);
    try {
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      return statement;
    } catch (SQLException e) {
      statement.close();
      throw e;
    }
  }

  /** The user tables as they are now. */
  public Replicas.Snapshot snapshot() {
    return Replicas.device(database, client.schema());
  }

  boolean closed() {
    return closed;
  }

  /** Closes the client; closing again does nothing. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      client.close();
    }
  }

  @Override
  public String toString() {
    return "device " + name + " (" + database + ")";
  }
}
