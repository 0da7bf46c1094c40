package io.fieldsync.testkit;

/**
 * {@link ReadOnlyScopeThroughParentsTest} with the server's store on a fresh PostgreSQL database.
 */
class PostgresReadOnlyScopeThroughParentsTest extends ReadOnlyScopeThroughParentsTest {
  @Override
  ServerDatabase database() {
    return ServerDatabase.postgres(getClass().getSimpleName());
  }
}
