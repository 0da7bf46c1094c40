package io.fieldsync.admin;

import io.fieldsync.testkit.ServerDatabase;

/** {@link AdminApiTest} on PostgreSQL with two nodes: each node shows what the other saw. */
class PostgresAdminApiTest extends AdminApiTest {
  @Override
  ServerDatabase database() {
    return ServerDatabase.postgres(getClass().getSimpleName());
  }

  @Override
  int nodes() {
    return 2;
  }
}
