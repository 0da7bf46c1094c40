package io.fieldsync.server.pull;

import io.fieldsync.ProtocolException;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.SequenceRange;
import io.fieldsync.wire.VersionScan;

/**
 * Which writes the pulling device already holds: those its database made itself, that is with a
 * version of the token's device at a sequence in one of the {@code PushResponse.written} ranges of
 * the pushes this database has acknowledged. A database that is new, or restored from a backup,
 * does not name the ranges of pushes it never made, even with the same device id, and so gets those
 * writes back.
 *
 * <p>Only field versions and record creations count. Tombstones are always sent: a delete's cascade
 * stamps the children's tombstones with the pushing device, which never saw them. Merged field
 * values are safe: a push whose stored value differs from the one sent answers with the record
 * ({@code server_record}), which the device writes in the same transaction that stores the range.
 */
record Echo(String device, long[] ranges) {
  /** The most {@code own_writes} ranges a pull may name. */
  static final int MAX_OWN_WRITES = 64;

  static final Echo NONE = new Echo("", new long[0]);

  static Echo of(String device, PullRequest request) {
    int count = request.getOwnWritesCount();
    if (count > MAX_OWN_WRITES) {
      throw new ProtocolException(
          "own_writes may name at most " + MAX_OWN_WRITES + " ranges, found " + count);
    }
    long[] ranges = new long[2 * count];
    for (int i = 0; i < count; i++) {
      SequenceRange range = request.getOwnWrites(i);
      if (range.getFirst() < 1 || range.getLast() < range.getFirst()) {
        throw new ProtocolException(
            "own_writes["
                + i
                + "] must have 1 <= first <= last, found first "
                + range.getFirst()
                + " and last "
                + range.getLast());
      }
      ranges[2 * i] = range.getFirst();
      ranges[2 * i + 1] = range.getLast();
    }
    return new Echo(device, ranges);
  }

  boolean own(String writer, long seq) {
    if (ranges.length == 0 || !writer.equals(device)) {
      return false;
    }
    for (int i = 0; i < ranges.length; i += 2) {
      if (seq >= ranges[i] && seq <= ranges[i + 1]) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the device created the record, in one acknowledged batch: the creation and at least one
   * field carry that batch's sequence and no field is older. A restore (a parent brought back for a
   * child, an update of a tombstone) keeps older fields, so it is sent whole.
   */
  boolean created(VersionScan versions) {
    if (!versions.hasRow() || !own(versions.rowDevice(), versions.rowSeq())) {
      return false;
    }
    long created = versions.rowSeq();
    boolean atCreation = false;
    for (int i = 0; i < versions.columns(); i++) {
      if (!versions.has(i)) {
        continue;
      }
      if (versions.seq(i) < created) {
        return false;
      }
      atCreation |= versions.seq(i) == created;
    }
    return atCreation;
  }
}
