package io.fieldsync.testkit;

/** {@link HostileRequestTest} with the server's store on a fresh PostgreSQL database per test. */
class PostgresHostileRequestTest extends HostileRequestTest {
  @Override
  ServerBackend backend() {
    return ServerBackend.postgres(getClass().getSimpleName());
  }
}
