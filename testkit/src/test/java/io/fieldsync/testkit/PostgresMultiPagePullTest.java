package io.fieldsync.testkit;

import java.util.stream.Stream;

/**
 * {@link MultiPagePullTest} with the server's store on a fresh PostgreSQL database per test; the
 * random workload with the first 5 of its seeds (the paging logic is the server's, not the
 * store's).
 */
class PostgresMultiPagePullTest extends MultiPagePullTest {
  @Override
  ServerBackend backend() {
    return ServerBackend.postgres(getClass().getSimpleName());
  }

  /** Found by the inherited {@code @MethodSource("seeds")} before the parent's. */
  static Stream<Long> seeds() {
    return seeds(5);
  }
}
