package io.fieldsync.testkit;

class PostgresHostileSchemaNamesTest extends HostileSchemaNamesTest {
  @Override
  ServerDatabase database() {
    return ServerDatabase.postgres(getClass().getSimpleName());
  }
}
