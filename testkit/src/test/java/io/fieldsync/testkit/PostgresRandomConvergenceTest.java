package io.fieldsync.testkit;

/**
 * {@link RandomConvergenceTest} with the server's store on a fresh PostgreSQL database per test.
 */
class PostgresRandomConvergenceTest extends RandomConvergenceTest {
  @Override
  ServerDatabase database() {
    return ServerDatabase.postgres(getClass().getSimpleName());
  }
}
