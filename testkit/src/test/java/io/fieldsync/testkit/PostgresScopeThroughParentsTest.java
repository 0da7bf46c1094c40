package io.fieldsync.testkit;

/** {@link ScopeThroughParentsTest} with the server's store on a fresh PostgreSQL database. */
class PostgresScopeThroughParentsTest extends ScopeThroughParentsTest {
  @Override
  ServerDatabase database() {
    return ServerDatabase.postgres(getClass().getSimpleName());
  }
}
