package io.fieldsync.server.uplink;

import io.fieldsync.schema.Column;
import io.fieldsync.schema.ConflictRule;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.store.PullPage;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.store.SyncStore;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.FieldVersion;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.RecordVersions;
import io.fieldsync.wire.Values;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads what this server's devices wrote since the uplink's last acknowledged position and makes it
 * into the changes of one push to the upstream, as a device's outbox would: one change per record
 * with the fields written here (every field when the upstream does not have the record yet), each
 * with the stamp of the device that wrote it, and the record's {@link RecordBase#seq} as {@code
 * base_seq}. A {@code sum} column travels as the increment not yet counted upstream, a {@code
 * union} column as the elements added and removed since; fields the uplink itself took from
 * upstream never go back up.
 */
final class Upward {
  /** Records read per batch; each makes at most one change, well under any server's batch cap. */
  static final int RECORDS_PER_BATCH = 1000;

  private final SyncStore store;
  private final Schema schema;
  private final String tenant;

  Upward(SyncStore store, Schema schema, String tenant) {
    this.store = store;
    this.schema = schema;
    this.tenant = tenant;
  }

  /**
   * The changes written above {@code pushedThrough}, read in one snapshot.
   *
   * @param changes the changes to push, possibly none
   * @param through the local sequence the changes cover: every write at or below it is in them or
   *     needs no push
   * @param more whether writes above {@code through} were left for the next batch
   */
  record Batch(List<Change> changes, long through, boolean more) {}

  Batch next(long pushedThrough) {
    PullPage page = store.pull(tenant, pushedThrough, RECORDS_PER_BATCH);
    List<StoredRecord> records = page.records();
    boolean more = records.size() == RECORDS_PER_BATCH;
    long through =
        more ? records.get(records.size() - 1).seq() : Math.max(pushedThrough, page.sequence());
    List<String> keys = new ArrayList<>(records.size());
    for (StoredRecord record : records) {
      keys.add(RecordBase.key(tenant, record.table(), record.id()));
    }
    Map<String, String> bases = store.settings(keys);
    List<Change> changes = new ArrayList<>();
    for (StoredRecord record : records) {
      Change change = change(record, pushedThrough, bases);
      if (change != null) {
        changes.add(change);
      }
    }
    return new Batch(changes, through, more);
  }

  private Change change(StoredRecord record, long pushedThrough, Map<String, String> bases) {
    Table table = schema.requireTable(record.table());
    RecordVersions versions = record.versions();
    RecordBase base = RecordBase.read(bases::get, tenant, table.name(), record.id());
    Change.Builder change =
        Change.newBuilder()
            .setTable(table.name())
            .setRecordId(record.id())
            .setBaseSeq(base == null ? 0 : base.seq());
    if (record.deleted()) {
      if (base == null
          || !versions.hasRow()
          || !Downward.unpushed(versions.getRow(), pushedThrough)) {
        return null; // never upstream, or deleted by the upstream itself
      }
      return change.setOp(Op.OP_DELETE).setHlc(versions.getRow().getHlc()).build();
    }
    boolean revived = versions.hasRow() && Downward.unpushed(versions.getRow(), pushedThrough);
    boolean whole = base == null || revived;
    long hlc = versions.hasRow() ? versions.getRow().getHlc() : 0;
    boolean any = revived;
    for (Column column : table.dataColumns()) {
      FieldVersion version = versions.getFieldsMap().get(column.name());
      boolean written = version != null && Downward.unpushed(version, pushedThrough);
      any |= written;
      if (!written && !whole) {
        continue;
      }
      FieldChange field = field(table, column, record, version, base, whole);
      if (field != null) {
        change.addFields(field);
        hlc = Math.max(hlc, field.getHlc());
      }
    }
    if (!any) {
      return null;
    }
    return change.setOp(whole ? Op.OP_INSERT : Op.OP_UPDATE).setHlc(hlc).build();
  }

  private static FieldChange field(
      Table table,
      Column column,
      StoredRecord record,
      FieldVersion version,
      RecordBase base,
      boolean whole) {
    Object value = record.values().get(column.name());
    FieldChange.Builder field =
        FieldChange.newBuilder()
            .setColumn(column.name())
            .setValue(Values.toWire(value))
            .setHlc(version == null ? 0 : version.getHlc());
    ConflictRule rule = table.ruleFor(column);
    if (rule == ConflictRule.SUM) {
      long total = value instanceof Long number ? number : 0L;
      field.setDelta(Math.subtractExact(total, base == null ? 0L : base.sum(column.name())));
    } else if (rule == ConflictRule.UNION && !whole) {
      UnionDiff diff = UnionDiff.between(base.set(column.name()), value);
      if (diff.isEmpty()) {
        return null; // a push without detail would add the whole set back
      }
      field.addAllAdded(diff.added()).addAllRemoved(diff.removed());
    }
    return field.build();
  }
}
