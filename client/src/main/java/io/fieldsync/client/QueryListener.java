package io.fieldsync.client;

import io.fieldsync.StorageException;
import java.util.List;
import java.util.Map;

/**
 * Receives the rows of a watched query ({@link FieldSyncClient#watch}): once at once, then each
 * time a change to one of the tables it reads has committed. Called on the client's change thread;
 * an exception is logged and otherwise ignored.
 */
@FunctionalInterface
public interface QueryListener {
  /**
   * @param rows the query's rows, each a map from column label to value (as JDBC's {@code
   *     getObject} gives it), in the query's order; unmodifiable
   */
  void results(List<Map<String, Object>> rows);

  /** Running the query failed; the watch stays and runs it again on the next change. */
  default void failed(StorageException error) {}
}
