package io.fieldsync.testkit;

/** {@link CrashDuringPullTest} with the server's store on a fresh PostgreSQL database per test. */
class PostgresCrashDuringPullTest extends CrashDuringPullTest {
  @Override
  ServerDatabase database() {
    return ServerDatabase.postgres(getClass().getSimpleName());
  }
}
