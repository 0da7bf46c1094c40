package io.fieldsync.client;

import io.fieldsync.SyncException;

/**
 * Hears what sync cycles do. Methods run on the thread that runs the cycle, after the local
 * transaction they report on has committed; they should return quickly. An exception thrown by a
 * listener is logged and otherwise ignored.
 */
public interface SyncListener {

  default void syncStarted() {}

  default void syncFinished(SyncResult result) {}

  default void syncFailed(SyncException error) {}

  /** A pulled or returned server value met a pending local edit of the same field. */
  default void conflict(String table, String recordId, String column) {}

  /**
   * The server did not take a pushed field (or record) as sent: it merged, parked or rejected it.
   * Called once per field, after the push's answer is stored; {@link ConflictExplanation#message()}
   * is a sentence for the person who made the change.
   */
  default void explained(ConflictExplanation explanation) {}

  /** The server refused a pushed change. */
  default void rejected(RejectedChange change) {}

  /** A resync (snapshot) starts or resumes; {@code reason} says why. */
  default void resyncStarted(String reason) {}

  /**
   * A snapshot page was applied: {@code done} records of about {@code totalEstimate}; {@code
   * finished} on the last call of a snapshot.
   */
  default void snapshotProgress(long done, long totalEstimate, boolean finished) {}

  /**
   * A long push, pull or snapshot moved on: after each batch of a push of several batches, each
   * page of a pull of several pages (a new device's first sync included) and each snapshot page.
   */
  default void syncProgress(SyncProgress progress) {}
}
