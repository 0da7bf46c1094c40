package io.fieldsync.store.postgres;

import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.SyncStoreContract;
import io.fieldsync.store.postgres.testing.TestDatabase;
import io.fieldsync.store.postgres.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterEach;

/**
 * The store contract suite on a real PostgreSQL. Every test gets a database of its own (the
 * contract expects a fresh, empty store per test), dropped afterwards.
 */
class PostgresStoreContractTest extends SyncStoreContract {
  private TestDatabase database;

  @Override
  protected SyncStore openStore(Path dir) {
    database = TestPostgres.newDatabase("contract");
    return reopenStore(dir);
  }

  @Override
  protected SyncStore reopenStore(Path dir) {
    return new PostgresStore(PostgresLocation.parse(database.location()), StoreOptions.DEFAULTS);
  }

  @Override
  protected Connection connect(Path dir) throws SQLException {
    return database.connect();
  }

  @AfterEach
  void dropDatabase() {
    // Runs after the contract's own @AfterEach has closed the store (subclass callbacks run
    // first, so close it here too: closing twice is harmless).
    if (store != null) {
      store.close();
    }
    if (database != null) {
      TestPostgres.dropDatabase(database);
    }
  }
}
