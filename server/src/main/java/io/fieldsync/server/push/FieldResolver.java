package io.fieldsync.server.push;

import io.fieldsync.conflict.FieldEdit;
import io.fieldsync.conflict.FieldState;
import io.fieldsync.conflict.Verdict;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.ConflictRule;
import io.fieldsync.schema.Table;
import io.fieldsync.store.ReviewItem;
import io.fieldsync.wire.FieldVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Decides each field of an insert or update with its column's conflict strategy, the same code the
 * devices run ({@link io.fieldsync.conflict}): the edit's value is taken, the server's kept, or
 * both go to the review queue.
 *
 * <p>A device has always seen its own writes: a field last written by the pushing device is never a
 * conflict for it, whatever {@code base_seq} says (a device may push twice before it pulls).
 */
final class FieldResolver {
  /** What deciding a change's fields did to its record. */
  static final class Outcome {
    /** Whether a field's value or version changed. */
    boolean changed;

    /** Whether a field ended with another value than the one sent. */
    boolean merged;

    /** Whether the device must get the record back (its value was stored in another form). */
    boolean includeRecord;

    /** Why a field was merged, when the strategy could not decide it (a sum that overflows). */
    String reason;

    final List<String> parkedColumns = new ArrayList<>();
  }

  private final WorkingSet set;

  FieldResolver(WorkingSet set) {
    this.set = set;
  }

  /**
   * The verdict of the column's strategy on {@code field} when the record has no version of it, or
   * null when the strategy cannot decide (the writer then reports why). Nothing stored goes into
   * it, so a push works it out before it takes the writer.
   */
  static Verdict againstAbsent(
      PreparedField field, ConflictRule rule, long baseSeq, String device) {
    try {
      return rule.strategy()
          .resolve(FieldState.ABSENT, edit(field, rule, FieldState.ABSENT, null, baseSeq, device));
    } catch (ArithmeticException e) {
      return null;
    }
  }

  /** The edit the strategy is given for {@code field} against {@code state} ({@code current}). */
  private static FieldEdit edit(
      PreparedField field,
      ConflictRule rule,
      FieldState state,
      FieldVersion current,
      long baseSeq,
      String device) {
    long delta = field.delta();
    if (rule == ConflictRule.SUM
        && !state.exists()
        && delta == 0
        && field.value() instanceof Long whole) {
      delta = whole;
    }
    long fieldBase = baseSeq;
    if (current != null && current.getDevice().equals(device)) {
      fieldBase = Math.max(fieldBase, current.getSeq());
    }
    return new FieldEdit(
        field.value(), field.hlc(), device, fieldBase, delta, field.added(), field.removed());
  }

  Outcome resolve(PreparedChange change, WorkingRecord record) {
    Table table = change.table;
    long baseSeq = change.change.getBaseSeq();
    Outcome outcome = new Outcome();
    for (PreparedField field : change.fields) {
      Column column = field.column();
      String name = column.name();
      FieldVersion current = record.fieldVersions.get(name);
      FieldState state =
          current == null
              ? FieldState.ABSENT
              : FieldState.of(
                  record.values.get(name), current.getHlc(), current.getDevice(), current.getSeq());
      ConflictRule rule = table.ruleFor(column);
      Verdict verdict;
      try {
        verdict =
            current == null && field.absent() != null
                ? field.absent()
                : rule.strategy()
                    .resolve(state, edit(field, rule, state, current, baseSeq, set.device));
      } catch (ArithmeticException e) {
        outcome.merged = true;
        outcome.reason =
            change.where()
                + ", column '"
                + name
                + "': the sum overflows a 64-bit integer; kept "
                + "the server's value";
        continue;
      }
      if (verdict instanceof Verdict.Take take) {
        // A verdict taking the edit's own (already canonical) value needs no second coercion, nor
        // does a union's: the array text Gson wrote from the elements it parsed.
        Object value =
            take.value() == field.value() || rule == ConflictRule.UNION
                ? take.value()
                : column.type().coerce(take.value());
        if (!state.exists() || !Objects.equals(value, state.value())) {
          record.values.put(name, value);
          record.fieldVersions.put(name, set.version(record, field.hlc()));
          outcome.changed = true;
        }
        if (!Objects.equals(value, field.value())) {
          outcome.merged = true;
        } else if (!Objects.equals(field.sent(), field.value())) {
          outcome.includeRecord = true;
        }
      } else if (verdict instanceof Verdict.Review review) {
        set.transaction.park(
            new ReviewItem(
                0,
                table.name(),
                change.id,
                name,
                state.value(),
                field.value(),
                baseSeq,
                state.hlc(),
                state.device(),
                field.hlc(),
                set.device,
                review.reason(),
                set.now,
                "open",
                null));
        outcome.parkedColumns.add(name);
      } else if (!Objects.equals(state.value(), field.value())) {
        outcome.merged = true; // kept the server's value
      }
    }
    return outcome;
  }
}
