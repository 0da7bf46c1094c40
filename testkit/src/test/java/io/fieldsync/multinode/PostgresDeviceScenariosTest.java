package io.fieldsync.multinode;

import io.fieldsync.testkit.ServerDatabase;
import java.nio.file.Path;

/**
 * The device scenarios on PostgreSQL: two server nodes on one fresh database per test, the two
 * devices on different nodes.
 */
class PostgresDeviceScenariosTest extends DeviceScenarios {
  @Override
  ServerDatabase database(Path dir) {
    return ServerDatabase.postgres("devices");
  }

  @Override
  int nodes() {
    return 2;
  }
}
