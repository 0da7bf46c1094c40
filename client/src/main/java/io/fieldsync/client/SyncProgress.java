package io.fieldsync.client;

/**
 * How far a long push, pull or snapshot has come. Reported after each acknowledged push batch of a
 * push that takes more than one batch, after each applied page of a pull run that takes more than
 * one page (a new device's first sync included) and after each page of a snapshot; the last report
 * of a phase has {@code finished} set and {@code recordsTotal == records}.
 *
 * @param phase what is running
 * @param records records pushed or pulled so far in this phase
 * @param recordsTotal about how many records the phase moves: an upper bound while it runs (for a
 *     pull the server's sequence minus the cursor the run began at, for a push the records with
 *     pending edits, for a snapshot the server's live record count), exact when finished; -1 when
 *     not known
 * @param bytes encoded size of the records moved so far (protobuf, before compression)
 * @param finished whether this is the phase's last report
 */
public record SyncProgress(
    Phase phase, long records, long recordsTotal, long bytes, boolean finished) {

  public SyncProgress {
    if (phase == null) {
      throw new IllegalArgumentException("phase must not be null");
    }
    if (records < 0 || bytes < 0 || recordsTotal < -1) {
      throw new IllegalArgumentException(
          "progress counts must not be negative, found records "
              + records
              + ", recordsTotal "
              + recordsTotal
              + ", bytes "
              + bytes);
    }
  }

  /** The part of a cycle a report is about. */
  public enum Phase {
    /** Sending the outbox, batch by batch. */
    PUSH,
    /** Fetching and applying what changed on the server, page by page. */
    PULL,
    /** Rebuilding the device from a paged snapshot (a resync). */
    SNAPSHOT
  }

  /** The fraction done, 0 to 1, or -1 when the total is not known. */
  public double fraction() {
    if (finished) {
      return 1;
    }
    if (recordsTotal <= 0) {
      return recordsTotal == 0 ? 1 : -1;
    }
    return Math.min(1, (double) records / recordsTotal);
  }
}
