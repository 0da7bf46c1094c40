package io.fieldsync.testkit;

/** {@link ScopeBackfillTest} with the server's store on a fresh PostgreSQL database. */
class PostgresScopeBackfillTest extends ScopeBackfillTest {
  @Override
  ServerDatabase database() {
    return ServerDatabase.postgres(getClass().getSimpleName());
  }
}
