package io.fieldsync.server.uplink;

import io.fieldsync.conflict.ConflictStrategy;
import io.fieldsync.conflict.FieldEdit;
import io.fieldsync.conflict.FieldState;
import io.fieldsync.conflict.Verdict;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.ConflictRule;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.store.JournalEntry;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.store.WriteTransaction;
import io.fieldsync.wire.Field;
import io.fieldsync.wire.FieldVersion;
import io.fieldsync.wire.Record;
import io.fieldsync.wire.RecordVersions;
import io.fieldsync.wire.Values;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Takes records as the upstream holds them (pull pages, a push answer's {@code server_record}s)
 * into the regional store, inside the caller's write transaction. The upstream's state wins: each
 * field taken gets a new local sequence, so this server's devices pull it, and is stamped with
 * {@link Uplink#DEVICE}, so the uplink never pushes it back.
 *
 * <p>The one exception is a write of this server's devices not yet acknowledged upstream (its
 * version is not the uplink's and its sequence is above the state's {@code pushedThrough}): it is
 * not overwritten, because the upstream has not decided it yet. The next push takes it up with the
 * {@code base_seq} of what this server had taken before, the upstream decides it against what it
 * holds with the column's strategy, and its answer comes back here. A {@code sum} column instead
 * takes the upstream's total plus the increment still to push, a {@code union} column the
 * upstream's set with the elements still to push added and removed, so nothing is counted twice.
 */
final class Downward {
  private final Schema schema;

  Downward(Schema schema) {
    this.schema = schema;
  }

  /** Whether a version is a write of this server's devices that the upstream has not decided. */
  static boolean unpushed(FieldVersion version, long pushedThrough) {
    return !version.getDevice().equals(Uplink.DEVICE) && version.getSeq() > pushedThrough;
  }

  /**
   * Takes {@code records} into the store.
   *
   * @return how many records changed here
   */
  int adopt(WriteTransaction transaction, List<Record> records, long pushedThrough) {
    return adopt(transaction, records, pushedThrough, 0);
  }

  /**
   * Takes {@code records} into the store, marking each live one as read by the resync {@code
   * seenBy} (0: no resync).
   *
   * @return how many records changed here
   */
  int adopt(WriteTransaction transaction, List<Record> records, long pushedThrough, long seenBy) {
    Map<String, List<String>> idsByTable = new LinkedHashMap<>();
    for (Record record : records) {
      idsByTable
          .computeIfAbsent(record.getTable(), unused -> new ArrayList<>())
          .add(record.getRecordId());
    }
    Map<String, Map<String, StoredRecord>> stored = new LinkedHashMap<>();
    idsByTable.forEach((table, ids) -> stored.put(table, transaction.load(table, ids)));
    int changed = 0;
    for (Record record : records) {
      Table table = schema.requireTable(record.getTable());
      StoredRecord local = stored.get(record.getTable()).get(record.getRecordId());
      boolean done =
          record.getDeleted() || record.getAbsent() || record.getEvicted()
              ? remove(transaction, table, record.getRecordId(), local, pushedThrough)
              : take(transaction, table, record, local, pushedThrough, seenBy);
      if (done) {
        changed++;
      }
    }
    return changed;
  }

  /**
   * Deletes the live record {@code local} here, as the upstream did, unless one of its fields holds
   * a write the upstream has not decided.
   *
   * @return whether it was deleted
   */
  boolean remove(
      WriteTransaction transaction,
      Table table,
      String id,
      StoredRecord local,
      long pushedThrough) {
    if (local == null || local.deleted()) {
      return false;
    }
    RecordVersions versions = local.versions();
    long hlc = 0;
    for (FieldVersion version : versions.getFieldsMap().values()) {
      if (unpushed(version, pushedThrough)) {
        // edited here and not yet pushed: the push takes the edit up and the upstream's rule for
        // an edit of a deleted record decides; its answer comes back through here
        return false;
      }
      hlc = Math.max(hlc, version.getHlc());
    }
    long seq = transaction.nextSequence();
    transaction.save(
        new StoredRecord(
            table.name(),
            id,
            seq,
            true,
            local.values(),
            versions.toBuilder().setRow(version(seq, hlc, Uplink.DEVICE)).build()));
    journal(transaction, seq, table, id, "delete", hlc);
    return true;
  }

  private boolean take(
      WriteTransaction transaction,
      Table table,
      Record record,
      StoredRecord local,
      long pushedThrough,
      long seenBy) {
    RecordVersions old = local == null ? RecordVersions.getDefaultInstance() : local.versions();
    if (local != null && local.deleted() && old.hasRow() && unpushed(old.getRow(), pushedThrough)) {
      return false; // deleted here and not yet pushed: the push takes the delete up
    }
    boolean revived = local == null || local.deleted();
    String id = record.getRecordId();
    RecordBase found = RecordBase.read(transaction, table.name(), id);
    RecordBase base = found == null ? RecordBase.empty() : found;
    Map<String, Object> values = new LinkedHashMap<>(local == null ? Map.of() : local.values());
    Map<String, FieldVersion> stamps = new LinkedHashMap<>();
    boolean waiting = false;
    long hlc = 0;
    for (Field field : record.getFieldsList()) {
      Column column = table.column(field.getColumn());
      if (column == null || column.primaryKey()) {
        continue;
      }
      String name = column.name();
      Object value = column.type().coerce(Values.fromWire(field.getValue()));
      hlc = Math.max(hlc, field.getHlc());
      FieldVersion mine = revived ? null : old.getFieldsMap().get(name);
      ConflictRule rule = table.ruleFor(column);
      if (mine == null || !unpushed(mine, pushedThrough)) {
        if (rule == ConflictRule.SUM) {
          base.sums().put(name, value instanceof Long total ? total : 0L);
        } else if (rule == ConflictRule.UNION) {
          base.sets().put(name, (String) value);
        }
        boolean same =
            mine != null
                && mine.getDevice().equals(Uplink.DEVICE)
                && mine.getHlc() == field.getHlc()
                && Objects.equals(values.get(name), value);
        if (!same) {
          values.put(name, value);
          stamps.put(name, version(0, field.getHlc(), Uplink.DEVICE));
        }
        continue;
      }
      switch (rule) {
        case SUM -> {
          long upstream = value instanceof Long total ? total : 0L;
          long here = values.get(name) instanceof Long total ? total : 0L;
          values.put(name, Math.addExact(upstream, here - base.sum(name)));
          base.sums().put(name, upstream);
          stamps.put(name, version(0, mine.getHlc(), mine.getDevice()));
        }
        case UNION -> {
          UnionDiff unpushed = UnionDiff.between(base.set(name), values.get(name));
          Object merged = value;
          if (!unpushed.isEmpty()) {
            Verdict verdict =
                ConflictStrategy.union()
                    .resolve(
                        FieldState.of(value, field.getHlc(), Uplink.DEVICE, record.getSeq()),
                        new FieldEdit(
                            values.get(name),
                            mine.getHlc(),
                            mine.getDevice(),
                            record.getSeq(),
                            0,
                            unpushed.added(),
                            unpushed.removed()));
            merged = verdict instanceof Verdict.Take take ? take.value() : value;
          }
          values.put(name, merged);
          base.sets().put(name, (String) value);
          stamps.put(name, version(0, mine.getHlc(), mine.getDevice()));
        }
        default -> waiting = true;
      }
    }
    // Held edits keep the base sequence they were made on, so the upstream sees them as concurrent
    // with what it changed since.
    (waiting ? base : base.withSeq(Math.max(base.seq(), record.getSeq())))
        .seenBy(seenBy)
        .save(transaction, table.name(), id);
    if (stamps.isEmpty() && !revived) {
      return false;
    }
    long seq = transaction.nextSequence();
    RecordVersions.Builder versions = old.toBuilder();
    stamps.forEach(
        (name, stamp) -> versions.putFields(name, version(seq, stamp.getHlc(), stamp.getDevice())));
    if (revived) {
      versions.setRow(version(seq, hlc, Uplink.DEVICE));
      if (local == null) {
        versions.setCreated(seq);
      }
    }
    Column key = table.primaryKey();
    values.put(key.name(), key.type().coerce(id));
    transaction.save(new StoredRecord(table.name(), id, seq, false, values, versions.build()));
    journal(transaction, seq, table, id, local == null ? "insert" : "update", hlc);
    return true;
  }

  private static void journal(
      WriteTransaction transaction, long seq, Table table, String id, String op, long hlc) {
    transaction.journal(
        new JournalEntry(seq, table.name(), id, op, null, hlc, Uplink.DEVICE, null, "upstream"));
  }

  private static FieldVersion version(long seq, long hlc, String device) {
    return FieldVersion.newBuilder().setSeq(seq).setHlc(hlc).setDevice(device).build();
  }
}
