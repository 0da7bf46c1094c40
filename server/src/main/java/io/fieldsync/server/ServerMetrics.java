package io.fieldsync.server;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of a running server. Thread-safe; values only grow. */
public final class ServerMetrics {
  private final AtomicLong pushes = new AtomicLong();
  private final AtomicLong replayedPushes = new AtomicLong();
  private final AtomicLong pulls = new AtomicLong();
  private final AtomicLong changesApplied = new AtomicLong();
  private final AtomicLong changesMerged = new AtomicLong();
  private final AtomicLong changesRejected = new AtomicLong();
  private final AtomicLong changesParked = new AtomicLong();
  private final AtomicLong recordsPulled = new AtomicLong();
  private final AtomicLong clockSkewCapped = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();

  ServerMetrics() {}

  /** Push requests answered (including replays). */
  public long pushes() {
    return pushes.get();
  }

  /** Pushes answered with a recorded outcome. */
  public long replayedPushes() {
    return replayedPushes.get();
  }

  public long pulls() {
    return pulls.get();
  }

  public long changesApplied() {
    return changesApplied.get();
  }

  public long changesMerged() {
    return changesMerged.get();
  }

  public long changesRejected() {
    return changesRejected.get();
  }

  public long changesParked() {
    return changesParked.get();
  }

  public long recordsPulled() {
    return recordsPulled.get();
  }

  /** Device HLC stamps that were too far in the future and were capped. */
  public long clockSkewCapped() {
    return clockSkewCapped.get();
  }

  /** Requests answered with an error status. */
  public long errors() {
    return errors.get();
  }

  public void push(boolean replayed, int applied, int merged, int rejected, int parked) {
    pushes.incrementAndGet();
    if (replayed) {
      replayedPushes.incrementAndGet();
      return;
    }
    changesApplied.addAndGet(applied);
    changesMerged.addAndGet(merged);
    changesRejected.addAndGet(rejected);
    changesParked.addAndGet(parked);
  }

  public void pull(int records) {
    pulls.incrementAndGet();
    recordsPulled.addAndGet(records);
  }

  public void clockSkewCapped(long count) {
    clockSkewCapped.addAndGet(count);
  }

  public void error() {
    errors.incrementAndGet();
  }
}
