package io.fieldsync.testkit;

import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.SyncStores;
import io.fieldsync.store.postgres.testing.TestDatabase;
import io.fieldsync.store.postgres.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * Where the server of one end-to-end test keeps its rows: TestServer's own SQLite file, or a fresh
 * database on the test PostgreSQL ({@link TestPostgres}) so tests never see each other's rows. Both
 * backends create the same metadata tables ({@code _fs_journal}, {@code _fs_batches}, ...), so a
 * test may count them over {@link #connect} with the same SQL on either.
 */
abstract class ServerBackend implements AutoCloseable {

  /** The default: {@code server.db} in the test directory. */
  static ServerBackend sqlite() {
    return new Sqlite();
  }

  /** A new database on the JVM's test PostgreSQL, dropped when the test ends. */
  static ServerBackend postgres(String label) {
    return new Postgres(label);
  }

  /** Starts the test's server on this backend. */
  abstract TestServer start(Path dir);

  /** A plain JDBC connection (auto-commit) to the server's database; the caller closes it. */
  abstract Connection connect(TestServer server) throws SQLException;

  /** Releases what the backend opened; called after the server stopped. */
  @Override
  public abstract void close();

  private static final class Sqlite extends ServerBackend {
    @Override
    TestServer start(Path dir) {
      return TestServer.start(dir);
    }

    @Override
    Connection connect(TestServer server) throws SQLException {
      return DriverManager.getConnection("jdbc:sqlite:" + server.storeFile());
    }

    @Override
    public void close() {}
  }

  private static final class Postgres extends ServerBackend {
    private final TestDatabase database;
    private SyncStore store;

    Postgres(String label) {
      this.database = TestPostgres.newDatabase(label);
    }

    @Override
    TestServer start(Path dir) {
      store = SyncStores.open(database.location(), new StoreOptions(4, 10_000));
      return TestServer.builder(dir).store(store).start();
    }

    @Override
    Connection connect(TestServer server) throws SQLException {
      return database.connect();
    }

    @Override
    public void close() {
      try {
        if (store != null) {
          store.close();
        }
      } finally {
        TestPostgres.dropDatabase(database);
      }
    }
  }
}
