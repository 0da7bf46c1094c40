package io.fieldsync.client;

import java.time.Duration;
import java.time.Instant;

/** What a {@link SyncWorker} reports to its {@link WorkerListener}s. */
public sealed interface WorkerEvent {

  /** The server answers (again). */
  record Online() implements WorkerEvent {}

  /** The server stopped answering; {@code reason} is the failure. */
  record Offline(String reason) implements WorkerEvent {}

  /** A cycle starts; {@code trigger}: start, write, poke, interval, retry, reconnect, resume. */
  record Syncing(String trigger) implements WorkerEvent {}

  /** A cycle succeeded. */
  record Synced(SyncResult result, long pending, long lag) implements WorkerEvent {}

  /**
   * A cycle or probe failed with a retriable error; the next attempt is after {@code retryIn}.
   *
   * @param attempt consecutive failures so far
   */
  record Failed(String reason, int attempt, Duration retryIn, Instant retryAt)
      implements WorkerEvent {}

  /** No success for {@code since} while the server answers. */
  record Stuck(Duration since, String lastError) implements WorkerEvent {}

  /** The live channel is open. */
  record LiveConnected() implements WorkerEvent {}

  /** The live channel closed. */
  record LiveDisconnected(String reason) implements WorkerEvent {}

  /** The server announced sequence {@code sequence}. */
  record Poked(long sequence) implements WorkerEvent {}

  /** A resync (snapshot) made progress. */
  record SnapshotProgress(long done, long totalEstimate, boolean finished) implements WorkerEvent {}

  /** A long push, pull or snapshot moved on (see {@link SyncListener#syncProgress}). */
  record Progress(SyncProgress progress) implements WorkerEvent {}

  /**
   * The worker was paused: no network I/O until it is resumed (local writes are still captured).
   */
  record Paused() implements WorkerEvent {}

  /** The worker was resumed; a sync follows at once. */
  record Resumed() implements WorkerEvent {}

  /** The worker stopped; {@code reason} is "closed" or the fatal error. */
  record Stopped(String reason, boolean fatal) implements WorkerEvent {}
}
