package io.fieldsync.testkit;

/** {@link CaptureSyncTest} with the server's store on a fresh PostgreSQL database per test. */
class PostgresCaptureSyncTest extends CaptureSyncTest {
  @Override
  ServerBackend backend() {
    return ServerBackend.postgres(getClass().getSimpleName());
  }
}
