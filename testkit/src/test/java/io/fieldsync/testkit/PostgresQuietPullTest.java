package io.fieldsync.testkit;

/** {@link QuietPullTest} with the server's store on a fresh PostgreSQL database per test. */
class PostgresQuietPullTest extends QuietPullTest {
  @Override
  ServerDatabase database() {
    return ServerDatabase.postgres(getClass().getSimpleName());
  }
}
