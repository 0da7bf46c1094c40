package io.fieldsync.testkit;

/** {@link CaptureSyncTest} with the server's store on a fresh PostgreSQL database per test. */
class PostgresCaptureSyncTest extends CaptureSyncTest {
  @Override
  ServerDatabase database() {
    return ServerDatabase.postgres(getClass().getSimpleName());
  }
}
