package io.fieldsync.testkit;

/** {@link LostResponseTest} with the server's store on a fresh PostgreSQL database per test. */
class PostgresLostResponseTest extends LostResponseTest {
  @Override
  ServerDatabase database() {
    return ServerDatabase.postgres(getClass().getSimpleName());
  }
}
