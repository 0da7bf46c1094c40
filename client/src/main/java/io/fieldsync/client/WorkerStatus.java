package io.fieldsync.client;

import java.time.Instant;

/**
 * A snapshot of a {@link SyncWorker}'s state.
 *
 * @param state running or stopped
 * @param online whether the server answered the last attempt
 * @param syncing whether a cycle is running now
 * @param live whether the live channel is open
 * @param pending rows in the outbox
 * @param cursor the last server sequence applied locally
 * @param serverSequence the highest server sequence the worker has heard of
 * @param lag {@code serverSequence - cursor}, never negative
 * @param lastSuccessAt when the last cycle succeeded, or null
 * @param lastError the last failure since the last success, or null
 * @param failures consecutive failures
 * @param nextRetryAt when the next attempt after a failure is due, or null
 * @param stuck whether no cycle succeeded for {@link FieldSyncClient.Builder#stuckAfter} while
 *     online
 * @param stopReason why the worker stopped, or null while it runs
 */
public record WorkerStatus(
    SyncWorker.State state,
    boolean online,
    boolean syncing,
    boolean live,
    long pending,
    long cursor,
    long serverSequence,
    long lag,
    Instant lastSuccessAt,
    String lastError,
    int failures,
    Instant nextRetryAt,
    boolean stuck,
    String stopReason) {

  /** A worker that is not running, with what the last one recorded. */
  static WorkerStatus stopped(
      long pending,
      long cursor,
      long serverSequence,
      Instant lastSuccessAt,
      String lastError,
      String stopReason) {
    return new WorkerStatus(
        SyncWorker.State.STOPPED,
        false,
        false,
        false,
        pending,
        cursor,
        serverSequence,
        serverSequence - cursor,
        lastSuccessAt,
        lastError,
        0,
        null,
        false,
        stopReason);
  }
}
