package io.fieldsync.server;

import io.fieldsync.testkit.ServerDatabase;

/** {@link SeededStoreWritesTest} on a fresh PostgreSQL database per test. */
class PostgresSeededStoreWritesTest extends SeededStoreWritesTest {
  @Override
  ServerDatabase database() {
    return ServerDatabase.postgres(getClass().getSimpleName());
  }
}
