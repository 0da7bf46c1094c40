package io.fieldsync.testkit;

import io.fieldsync.StorageException;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.SyncResult;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * A field device for tests: a {@link FieldSyncClient} on {@code NAME.db} in a directory, with
 * shortcuts for the application's SQL and for reading the replica. Not thread-safe.
 */
public final class TestDevice implements AutoCloseable {
  private final String name;
  private final Path database;
  private final FieldSyncClient client;

  private TestDevice(String name, Path database, FieldSyncClient client) {
    this.name = name;
    this.database = database;
    this.client = client;
  }

  /** Initializes {@code NAME.db} in {@code directory} against the server, over plain HTTP. */
  public static TestDevice init(TestServer server, Path directory, String name) {
    return init(server, directory, name, UnaryOperator.identity());
  }

  /**
   * Initializes {@code NAME.db} with builder settings of the caller's choosing (a faulty transport,
   * a seed, page sizes).
   */
  public static TestDevice init(
      TestServer server,
      Path directory,
      String name,
      UnaryOperator<FieldSyncClient.Builder> settings) {
    Path database = directory.resolve(name + ".db");
    FieldSyncClient.Builder builder =
        FieldSyncClient.builder(database).server(server.uri()).token(server.token(name));
    return new TestDevice(name, database, settings.apply(builder).initialize());
  }

  /** Opens an existing device database of this name again (after a close or a crash). */
  public static TestDevice open(
      Path directory, String name, UnaryOperator<FieldSyncClient.Builder> settings) {
    Path database = directory.resolve(name + ".db");
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

  /** The first column of the first row of a query, Integer widened to Long, or null. */
  public Object scalar(String query) {
    try (Connection connection = client.connection();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(query)) {
      if (!rows.next()) {
        return null;
      }
      Object value = rows.getObject(1);
      return value instanceof Integer number ? Long.valueOf(number.longValue()) : value;
    } catch (SQLException e) {
      throw new StorageException(name + ": " + e.getMessage(), e);
    }
  }

  /** The user tables as they are now. */
  public Replicas.Snapshot snapshot() {
    return Replicas.device(database, client.schema());
  }

  @Override
  public void close() {
    client.close();
  }

  @Override
  public String toString() {
    return "device " + name + " (" + Objects.toString(database) + ")";
  }
}
