package io.fieldsync.server.push;

import io.fieldsync.schema.Column;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.store.WriteTransaction;
import io.fieldsync.wire.FieldVersion;
import io.fieldsync.wire.SequenceRange;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The records one batch touches, inside its write transaction: loaded in bulk up front (the
 * changes' records and the parents they point at), any other on first use, each given the next
 * sequence when the batch first changes it, and saved together at the end.
 */
final class WorkingSet {
  /**
   * A record of the batch: a map key that needs no string building. Its hash is the one a record of
   * the same two strings would have, worked out once: the batch looks each key up several times.
   */
  private static final class Key {
    private final String table;
    private final String id;
    private final int hash;

    Key(String table, String id) {
      this.table = table;
      this.id = id;
      this.hash = 31 * table.hashCode() + id.hashCode();
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Key key
          && hash == key.hash
          && id.equals(key.id)
          && table.equals(key.table);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  /** The ids to load of one table (tables are few: found by identity, never hashed). */
  private record TableIds(Table table, List<String> ids) {}

  final WriteTransaction transaction;

  /** The pushing device, which every version this batch writes names. */
  final String device;

  /** The server's wall clock when the batch began, for the review items it parks. */
  final long now;

  /** Where a saved record's versions came from, should they ever be reported corrupt. */
  private static final String SAVED = "the push being saved";

  private final SchemaColumns columns;
  private final Map<Key, WorkingRecord> records = new HashMap<>();

  /** Records this batch deletes: a child written earlier in the batch treats them as deleted. */
  private final Set<Key> deletesInBatch = new HashSet<>();

  WorkingSet(WriteTransaction transaction, SchemaColumns columns, String device, long now) {
    this.transaction = transaction;
    this.columns = columns;
    this.device = device;
    this.now = now;
  }

  /** Loads the changes' records, then the parents they point at, in bulk. */
  void load(List<PreparedChange> prepared) {
    List<TableIds> ids = new ArrayList<>();
    for (PreparedChange change : prepared) {
      if (change.table != null && change.id != null) {
        idsOf(ids, change.table).add(change.id);
      }
    }
    loadAll(ids);
    for (PreparedChange change : prepared) {
      if (change.table != null && change.id != null) {
        change.record = records.get(key(change.table, change.id));
      }
    }
    // The parents the batch's records point at, for the on_parent_delete rules.
    List<TableIds> parents = new ArrayList<>();
    for (PreparedChange change : prepared) {
      if (change.table == null || change.id == null || change.isDelete()) {
        continue;
      }
      WorkingRecord record = change.record;
      for (Column foreignKey : columns.foreignKeys(change.table)) {
        Table parentTable = columns.schema().table(foreignKey.references());
        Object reference =
            change.valuesByColumn.containsKey(foreignKey.name())
                ? change.valuesByColumn.get(foreignKey.name())
                : record.values.get(foreignKey.name());
        if (parentTable != null
            && reference != null
            && !records.containsKey(key(parentTable, reference.toString()))) {
          idsOf(parents, parentTable).add(reference.toString());
        }
      }
    }
    loadAll(parents);
  }

  private static List<String> idsOf(List<TableIds> tables, Table table) {
    for (TableIds candidate : tables) {
      if (candidate.table == table) {
        return candidate.ids;
      }
    }
    TableIds added = new TableIds(table, new ArrayList<>());
    tables.add(added);
    return added.ids;
  }

  private void loadAll(List<TableIds> ids) {
    for (TableIds entry : ids) {
      Table table = entry.table();
      Map<String, StoredRecord> stored = transaction.load(table.name(), entry.ids());
      for (String id : entry.ids()) {
        records.computeIfAbsent(
            key(table, id), unused -> new WorkingRecord(table, id, stored.get(id)));
      }
    }
  }

  Schema schema() {
    return columns.schema();
  }

  /** The working state of any record, loading it on first use (parents, children). */
  WorkingRecord working(Table table, String id) {
    return records.computeIfAbsent(
        key(table, id),
        unused ->
            new WorkingRecord(table, id, transaction.load(table.name(), List.of(id)).get(id)));
  }

  /** The working state of records of {@code table}, those not yet held loaded in bulk. */
  List<WorkingRecord> workingAll(Table table, List<String> ids) {
    List<String> missing = new ArrayList<>();
    for (String id : ids) {
      if (!records.containsKey(key(table, id))) {
        missing.add(id);
      }
    }
    if (!missing.isEmpty()) {
      loadAll(List.of(new TableIds(table, missing)));
    }
    List<WorkingRecord> result = new ArrayList<>(ids.size());
    for (String id : ids) {
      result.add(records.get(key(table, id)));
    }
    return result;
  }

  /** The records the batch has given a new sequence so far. */
  List<WorkingRecord> written() {
    List<WorkingRecord> result = new ArrayList<>();
    for (WorkingRecord record : records.values()) {
      if (record.newSeq != 0) {
        result.add(record);
      }
    }
    return result;
  }

  /** The ids of {@code table}'s records the batch holds now. */
  List<String> idsIn(Table table) {
    List<String> ids = new ArrayList<>();
    for (WorkingRecord candidate : List.copyOf(records.values())) {
      if (candidate.table == table) {
        ids.add(candidate.id);
      }
    }
    return ids;
  }

  void deleteInBatch(Table table, String id) {
    deletesInBatch.add(key(table, id));
  }

  boolean deletedInBatch(Table table, String id) {
    return deletesInBatch.contains(key(table, id));
  }

  /** A version stamped {@code hlc} by the pushing device, at the record's new sequence. */
  FieldVersion version(WorkingRecord record, long hlc) {
    long seq = sequenceFor(record);
    FieldVersion last = record.lastVersion;
    // the fields of one change share their stamp: one message for all of them
    if (last != null && last.getSeq() == seq && last.getHlc() == hlc) {
      return last;
    }
    FieldVersion version =
        FieldVersion.newBuilder().setSeq(seq).setHlc(hlc).setDevice(device).build();
    record.lastVersion = version;
    return version;
  }

  /** The record's new sequence, given now if the batch has not changed it yet. */
  long sequenceFor(WorkingRecord record) {
    if (record.newSeq == 0) {
      record.newSeq = transaction.nextSequence();
      record.seq = record.newSeq;
    }
    return record.newSeq;
  }

  /** Saves every record the batch changed; returns the sequences they got, or null if none. */
  SequenceRange save() {
    return save(null);
  }

  /**
   * {@link #save()}, the versions of the second half of a large batch's records encoded on {@code
   * side}'s helper (null: all here), in pieces, while this thread saves the first half.
   */
  SequenceRange save(SideWork side) {
    List<WorkingRecord> changed = written();
    int split = side != null ? SideWork.split(changed.size()) : changed.size();
    List<SideWork.Handle<byte[][]>> second =
        split < changed.size()
            ? side.startPieces(split, changed.size(), (from, to) -> encoded(changed, from, to))
            : List.of();
    long first = Long.MAX_VALUE;
    long last = 0;
    for (int i = 0; i < split; i++) {
      WorkingRecord record = changed.get(i);
      save(record, record.encodedVersions());
      first = Math.min(first, record.newSeq);
      last = Math.max(last, record.newSeq);
    }
    int next = split;
    for (SideWork.Handle<byte[][]> piece : second) {
      for (byte[] versions : piece.join()) {
        WorkingRecord record = changed.get(next++);
        save(record, versions);
        first = Math.min(first, record.newSeq);
        last = Math.max(last, record.newSeq);
      }
    }
    return last == 0 ? null : SequenceRange.newBuilder().setFirst(first).setLast(last).build();
  }

  /**
   * The encoded versions of {@code records} {@code from} to {@code to} (reads, changes nothing).
   */
  private static byte[][] encoded(List<WorkingRecord> records, int from, int to) {
    byte[][] result = new byte[to - from][];
    for (int i = from; i < to; i++) {
      result[i - from] = records.get(i).encodedVersions();
    }
    return result;
  }

  private void save(WorkingRecord record, byte[] versions) {
    transaction.save(
        StoredRecord.encoded(
            record.table.name(),
            record.id,
            record.newSeq,
            record.deleted,
            record.values,
            versions,
            SAVED));
  }

  private static Key key(Table table, String id) {
    return new Key(table.name(), id);
  }
}
