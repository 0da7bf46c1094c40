package io.fieldsync.testkit;

/**
 * {@link TieredSyncTest} with the central server and the north on PostgreSQL, the south on SQLite.
 */
class PostgresTieredSyncTest extends TieredSyncTest {
  @Override
  ServerDatabase centralDatabase() {
    return ServerDatabase.postgres("tiers-central");
  }

  @Override
  ServerDatabase northDatabase() {
    return ServerDatabase.postgres("tiers-north");
  }
}
