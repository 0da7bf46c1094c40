package io.fieldsync.multinode;

import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.SyncStores;
import java.nio.file.Path;
import java.util.List;

/** The device scenarios on the embedded SQLite store: one server node. */
class SqliteDeviceScenariosTest extends DeviceScenarios {
  @Override
  protected List<SyncStore> openStores(Path dir) {
    return List.of(SyncStores.open(dir.resolve("server.db").toString(), StoreOptions.DEFAULTS));
  }
}
