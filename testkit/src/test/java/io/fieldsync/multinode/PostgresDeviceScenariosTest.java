package io.fieldsync.multinode;

import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.SyncStores;
import io.fieldsync.store.postgres.testing.TestDatabase;
import io.fieldsync.store.postgres.testing.TestPostgres;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/**
 * The device scenarios on PostgreSQL: two server nodes on one fresh database per test, the two
 * devices on different nodes.
 */
class PostgresDeviceScenariosTest extends DeviceScenarios {
  private TestDatabase database;

  @Override
  protected List<SyncStore> openStores(Path dir) {
    database = TestPostgres.newDatabase("devices");
    StoreOptions options = new StoreOptions(4, 10_000);
    return List.of(
        SyncStores.open(database.location(), options),
        SyncStores.open(database.location(), options));
  }

  @AfterEach
  void dropDatabase() {
    // Subclass @AfterEach methods run before the base class's, which closes the stores; dropping
    // WITH (FORCE) ends their sessions first.
    if (database != null) {
      TestPostgres.dropDatabase(database);
    }
  }
}
