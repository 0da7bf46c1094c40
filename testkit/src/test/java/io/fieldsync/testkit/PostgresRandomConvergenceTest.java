package io.fieldsync.testkit;

/**
 * {@link RandomConvergenceTest} with the server's store on a fresh PostgreSQL database per test.
 */
class PostgresRandomConvergenceTest extends RandomConvergenceTest {
  @Override
  ServerBackend backend() {
    return ServerBackend.postgres(getClass().getSimpleName());
  }
}
