package io.fieldsync.testkit;

/** {@link HostileRequestTest} with the server's store on a fresh PostgreSQL database per test. */
class PostgresHostileRequestTest extends HostileRequestTest {
  @Override
  ServerDatabase database() {
    return ServerDatabase.postgres(getClass().getSimpleName());
  }
}
