package io.fieldsync.testkit;

/** {@link ConvergenceTest} with the server's store on a fresh PostgreSQL database per test. */
class PostgresConvergenceTest extends ConvergenceTest {
  @Override
  ServerBackend backend() {
    return ServerBackend.postgres(getClass().getSimpleName());
  }
}
