package io.fieldsync.multinode;

import io.fieldsync.testkit.ServerDatabase;
import java.nio.file.Path;

/** The device scenarios on the embedded SQLite store: one server node. */
class SqliteDeviceScenariosTest extends DeviceScenarios {
  @Override
  ServerDatabase database(Path dir) {
    return ServerDatabase.sqlite(dir.resolve("server.db"));
  }

  @Override
  int nodes() {
    return 1;
  }
}
