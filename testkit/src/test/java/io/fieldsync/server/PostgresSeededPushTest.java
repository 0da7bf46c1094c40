package io.fieldsync.server;

import io.fieldsync.testkit.ServerDatabase;
import io.fieldsync.testkit.TestServer;

/** {@link SeededPushTest} with the server's store on a fresh PostgreSQL database per test. */
class PostgresSeededPushTest extends SeededPushTest {
  @Override
  TestServer.Builder server() {
    return super.server().database(ServerDatabase.postgres(getClass().getSimpleName()));
  }
}
