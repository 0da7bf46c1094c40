package io.fieldsync.server;

import io.fieldsync.testkit.ServerDatabase;

/** {@link JournalUpgradeTest} on a fresh PostgreSQL database. */
class PostgresJournalUpgradeTest extends JournalUpgradeTest {
  @Override
  ServerDatabase database() {
    return ServerDatabase.postgres(getClass().getSimpleName());
  }
}
