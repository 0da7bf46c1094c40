package io.fieldsync.server.push;

import io.fieldsync.conflict.Verdict;
import io.fieldsync.schema.Column;
import java.util.List;

/**
 * A field of a change, checked and converted to its canonical value.
 *
 * @param value the canonical value
 * @param sent the value as the device sent it (the device is told when the two differ)
 * @param hlc the field's stamp, capped by the skew guard
 * @param absent the column strategy's verdict when the record has no version of the field (a new
 *     record), worked out before the writer since nothing stored goes into it; null when not worked
 *     out (then the writer asks the strategy)
 */
record PreparedField(
    Column column,
    Object value,
    Object sent,
    long hlc,
    long delta,
    List<String> added,
    List<String> removed,
    Verdict absent) {

  /** This field with its verdict against no stored version. */
  PreparedField withAbsent(Verdict verdict) {
    return new PreparedField(column, value, sent, hlc, delta, added, removed, verdict);
  }
}
