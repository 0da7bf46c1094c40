package io.fieldsync.server.push;

import io.fieldsync.wire.ChangeStatus;
import java.util.List;

/**
 * How one change was decided.
 *
 * @param seq the sequence the change gave its record, or 0 when it changed nothing
 * @param includeRecord whether the device gets the server's record back with the result
 * @param outcome the journal outcome when the status alone does not say it (cascaded), or null
 */
record Decision(
    ChangeStatus status,
    String reason,
    List<String> parkedColumns,
    long seq,
    boolean includeRecord,
    String outcome) {

  Decision(
      ChangeStatus status,
      String reason,
      List<String> parkedColumns,
      long seq,
      boolean includeRecord) {
    this(status, reason, parkedColumns, seq, includeRecord, null);
  }

  /** Applied as sent: the device needs nothing back. */
  static Decision applied(long seq) {
    return new Decision(ChangeStatus.APPLIED, null, List.of(), seq, false);
  }

  /** Refused; the device gets the server's record. */
  static Decision rejected(String reason) {
    return new Decision(ChangeStatus.REJECTED, reason, List.of(), 0, true);
  }

  /** Merged into a state the change did not alter (the server's record stays as it was). */
  static Decision kept(String reason) {
    return new Decision(ChangeStatus.MERGED, reason, List.of(), 0, true);
  }

  /** Merged by deleting the record along with its deleted parent. */
  static Decision cascaded(String reason, long seq) {
    return new Decision(ChangeStatus.MERGED, reason, List.of(), seq, true, "cascaded");
  }

  /** The whole change went to the review queue. */
  static Decision parked(String reason) {
    return new Decision(ChangeStatus.PARKED, reason, List.of(), 0, true);
  }

  String journalOutcome() {
    if (outcome != null) {
      return outcome;
    }
    return switch (status) {
      case APPLIED -> "applied";
      case MERGED -> seq == 0 ? "kept" : "merged";
      case PARKED -> "parked";
      default -> "rejected";
    };
  }
}
