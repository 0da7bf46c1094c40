package io.fieldsync.testkit;

import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.SyncStores;
import io.fieldsync.store.postgres.testing.TestDatabase;
import io.fieldsync.store.postgres.testing.TestPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the nodes of a {@link TestServer} keep their rows: a SQLite file, or a fresh database on
 * the test PostgreSQL ({@link TestPostgres}) so tests never see each other's rows. Both create the
 * same metadata tables ({@code _fs_journal}, {@code _fs_batches}, ...), so a test may read them
 * over {@link #connect} with the same SQL on either.
 *
 * <p>Thread-safe. {@link #close()} drops a PostgreSQL database; a SQLite file stays (it lives in
 * the test's temporary directory).
 */
public abstract sealed class ServerDatabase implements AutoCloseable {
  private ServerDatabase() {}

  /** A SQLite store file; it serves one node (its write lock is in the process that opens it). */
  public static ServerDatabase sqlite(Path file) {
    return new Sqlite(file);
  }

  /**
   * A new empty database on the JVM's test PostgreSQL, dropped on {@link #close()}; any number of
   * nodes share it.
   *
   * @param label names the user (a test class) in the database name
   * @throws IllegalStateException when PostgreSQL cannot be started or reached, saying why
   */
  public static ServerDatabase postgres(String label) {
    return new Postgres(label);
  }

  /** Opens one node's store on this database; the caller closes it. */
  public SyncStore open(StoreOptions options) {
    return SyncStores.open(location(), options);
  }

  /** The store options a node gets when the test names none. */
  abstract StoreOptions defaultOptions();

  /** The location in the form {@code fieldsync server --db} takes. */
  public abstract String location();

  /** How many nodes may share this database. */
  abstract int maxNodes();

  /** A plain JDBC connection (auto-commit) to the database; the caller closes it. */
  public abstract Connection connect() throws SQLException;

  /** The SQLite file, or empty for PostgreSQL. */
  public abstract Optional<Path> file();

  @Override
  public abstract void close();

  private static final class Sqlite extends ServerDatabase {
    private final Path file;

    Sqlite(Path file) {
      this.file = Objects.requireNonNull(file, "file");
    }

    @Override
    StoreOptions defaultOptions() {
      return StoreOptions.DEFAULTS;
    }

    @Override
    public String location() {
      return file.toString();
    }

    @Override
    int maxNodes() {
      return 1;
    }

    @Override
    public Connection connect() throws SQLException {
      return DriverManager.getConnection("jdbc:sqlite:" + file);
    }

    @Override
    public Optional<Path> file() {
      return Optional.of(file);
    }

    @Override
    public void close() {}

    @Override
    public String toString() {
      return "sqlite:" + file;
    }
  }

  private static final class Postgres extends ServerDatabase {
    private final TestDatabase database;

    Postgres(String label) {
      this.database = TestPostgres.newDatabase(label);
    }

    @Override
    StoreOptions defaultOptions() {
      return new StoreOptions(4, 10_000);
    }

    @Override
    public String location() {
      return database.location();
    }

    @Override
    int maxNodes() {
      return Integer.MAX_VALUE;
    }

    @Override
    public Connection connect() throws SQLException {
      return database.connect();
    }

    @Override
    public Optional<Path> file() {
      return Optional.empty();
    }

    @Override
    public void close() {
      TestPostgres.dropDatabase(database);
    }

    @Override
    public String toString() {
      return "postgresql database " + database.name();
    }
  }

  /** Puts a copy of {@code backup} in place of the SQLite file (its stores must be closed). */
  void replaceWith(Path backup) {
    Path target =
        file()
            .orElseThrow(
                () -> new UnsupportedOperationException("only a SQLite file is restored: " + this));
    try {
      for (String suffix : List.of("", "-wal", "-shm")) {
        Files.deleteIfExists(target.resolveSibling(target.getFileName() + suffix));
      }
      Files.copy(backup, target);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot restore " + target + " from " + backup, e);
    }
  }
}
