package io.fieldsync.testkit;

/** {@link RowScopeTest} with the server's store on a fresh PostgreSQL database per test. */
class PostgresRowScopeTest extends RowScopeTest {
  @Override
  ServerDatabase database() {
    return ServerDatabase.postgres(getClass().getSimpleName());
  }
}
