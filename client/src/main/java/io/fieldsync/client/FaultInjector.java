package io.fieldsync.client;

/**
 * A seam for crash tests, installed with {@link FieldSyncClient.Builder#faultInjector}: the client
 * calls it at the points where a real device may die, so a test can end the process there (for
 * example with {@code Runtime.halt}) and check what the database holds when it is opened again.
 * Applications never install one.
 *
 * <p>Called on the thread that runs the sync cycle, inside the open local transaction.
 */
@FunctionalInterface
public interface FaultInjector {
  /** Installs nothing. */
  FaultInjector NONE = rows -> {};

  /**
   * A pulled page has written {@code rows} of its records in its transaction, which has not
   * committed yet.
   */
  void afterAppliedRow(int rows);
}
