package io.fieldsync.testkit;

import java.util.stream.LongStream;

/**
 * {@link MultiPagePullTest} with the server's store on a fresh PostgreSQL database per test; the
 * random workload with the first 5 of its seeds (the paging logic is the server's, not the
 * store's).
 */
class PostgresMultiPagePullTest extends MultiPagePullTest {
  @Override
  ServerDatabase database() {
    return ServerDatabase.postgres(getClass().getSimpleName());
  }

  /** Found by the inherited {@code @SeededTest(seedsFrom = "seeds")} before the parent's. */
  static LongStream seeds() {
    return seeds(5);
  }
}
