package io.fieldsync.testkit;

/** {@link ConvergenceTest} with the server's store on a fresh PostgreSQL database per test. */
class PostgresConvergenceTest extends ConvergenceTest {
  @Override
  ServerDatabase database() {
    return ServerDatabase.postgres(getClass().getSimpleName());
  }
}
