package io.fieldsync.server.push;

import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.store.WriteTransaction;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Keeps the scope of every record of a table scoped through a parent ({@code scope: { via: column
 * }}) equal to its parent's, inside the batch's transaction.
 *
 * <p>Each such record stores the value it inherits and the sequence that set it (its versions'
 * {@code scope} and {@code scope_seq}), so a pull, a snapshot and a verify decide whose it is from
 * the record alone, without reading its parents. The price is paid here, on the rare write that
 * moves a parent: when a record's scope differs from what the store held (its scope column changed,
 * its own parent changed, or it is new and children already point at it), its live children through
 * {@code via} are found by the indexed column, a few queries per table and level, and every child
 * whose inherited value differs gets the new value at a new sequence, so the pulls of every device
 * see it move: the devices that gain it receive it whole, those that lose it a removal. The
 * children of those children follow, table by table down the chains.
 *
 * <p>A record without a parent (null column), or whose parent the server does not have, inherits no
 * scope: only tenant-wide tokens see it, until a write gives it a parent. A tombstone keeps the
 * scope it had, and so does a live child of a deleted parent (under {@code on_parent_delete:
 * review}): it inherits from the parent's last values.
 */
public final class ScopeInheritance {
  private final WorkingSet set;
  private final Schema schema;

  /** Tables scoped through a parent, each after the tables of its parents. */
  private final List<Table> viaTables = new ArrayList<>();

  /** Tables that some table takes its scope from. */
  private final Set<Table> parents = new HashSet<>();

  ScopeInheritance(WorkingSet set, Schema schema) {
    this.set = set;
    this.schema = schema;
    viaTables.addAll(viaTables(schema));
    for (Table table : viaTables) {
      for (Table up = schema.scopeParent(table); up != null; up = schema.scopeParent(up)) {
        parents.add(up);
      }
    }
  }

  /** The schema's tables scoped through a parent, each after the tables of its parents. */
  static List<Table> viaTables(Schema schema) {
    Map<Table, Integer> depths = new LinkedHashMap<>();
    for (Table table : schema.tables().values()) {
      int depth = 0;
      for (Table up = schema.scopeParent(table); up != null; up = schema.scopeParent(up)) {
        depth++;
      }
      if (depth > 0) {
        depths.put(table, depth);
      }
    }
    List<Table> tables = new ArrayList<>(depths.keySet());
    tables.sort((a, b) -> Integer.compare(depths.get(a), depths.get(b)));
    return tables;
  }

  /**
   * The record's scope value as text: its scope column's, or the one it inherits; null for none.
   */
  static String scopeOf(WorkingRecord record) {
    Table table = record.table;
    if (table.scopeVia() != null) {
      return record.inheritedScope;
    }
    Object value = table.scope() == null ? null : record.values.get(table.scope());
    return value == null ? null : value.toString();
  }

  /**
   * The scope a record of {@code table} would have after the batch, pointing at {@code parentId}
   * through its via column: the parent's as the batch leaves it ({@code pending}: the accepted
   * changes of the batch, by record, that may set a scope column or a via column), else as stored.
   */
  String scopeUnder(Table table, Object parentId, Map<WorkingRecord, PreparedChange> pending) {
    Table parentTable = schema.scopeParent(table);
    if (parentId == null || parentTable == null) {
      return null;
    }
    WorkingRecord parent = set.working(parentTable, parentId.toString());
    PreparedChange change = pending.get(parent);
    String column = parentTable.scopeVia() != null ? parentTable.scopeVia() : parentTable.scope();
    boolean sets = change != null && change.valuesByColumn.containsKey(column);
    if (parentTable.scopeVia() != null) {
      return sets
          ? scopeUnder(parentTable, change.valuesByColumn.get(column), pending)
          : parent.exists ? parent.inheritedScope : null;
    }
    Object value =
        sets ? change.valuesByColumn.get(column) : parent.exists ? parent.values.get(column) : null;
    return value == null ? null : value.toString();
  }

  /**
   * Settles scopes after a write made outside a push (a review resolution) and saves what moved:
   * the record {@code id} of {@code table}, just saved in {@code transaction} over {@code before}
   * (null when it is new), and the records below it.
   */
  public static void afterWrite(
      WriteTransaction transaction,
      Schema schema,
      String device,
      long now,
      Table table,
      String id,
      StoredRecord before) {
    WorkingSet set = new WorkingSet(transaction, new SchemaColumns(schema), device, now);
    ScopeInheritance inheritance = new ScopeInheritance(set, schema);
    if (inheritance.viaTables.isEmpty()) {
      return;
    }
    WorkingRecord record = set.working(table, id);
    record.stored = before != null;
    record.loadedScope = before == null ? null : scopeOf(new WorkingRecord(table, id, before));
    inheritance.settle(List.of(record));
    set.save();
  }

  /** Settles the scopes of the batch's records and of the children of the parents that moved. */
  void settle() {
    settle(set.written());
  }

  /**
   * Settles the scopes of {@code written}, records as loaded or as the batch changed them, and of
   * the children of those that moved.
   */
  void settle(List<WorkingRecord> written) {
    if (viaTables.isEmpty()) {
      return;
    }
    List<WorkingRecord> moved = new ArrayList<>();
    for (WorkingRecord record : written) {
      if (record.table.scope() != null && parents.contains(record.table) && movedNow(record)) {
        moved.add(record);
      }
    }
    for (Table table : viaTables) {
      Table parentTable = schema.scopeParent(table);
      String via = table.scopeVia();
      Set<WorkingRecord> candidates = new LinkedHashSet<>();
      for (WorkingRecord record : written) {
        if (record.table == table) {
          candidates.add(record);
        }
      }
      List<String> movedParents = new ArrayList<>();
      for (WorkingRecord parent : moved) {
        if (parent.table == parentTable) {
          movedParents.add(parent.id);
        }
      }
      if (!movedParents.isEmpty()) {
        List<String> children = set.transaction.liveChildren(table.name(), via, movedParents);
        for (WorkingRecord child : set.workingAll(table, children)) {
          candidates.add(child);
        }
      }
      for (WorkingRecord record : candidates) {
        if (!record.exists || record.deleted) {
          continue;
        }
        String inherited = inheritedFrom(parentTable, record.values.get(via));
        if (record.scopeSeq == 0 || !Objects.equals(inherited, record.inheritedScope)) {
          record.inheritedScope = inherited;
          record.scopeSeq = set.sequenceFor(record);
        }
        if (parents.contains(table) && movedNow(record)) {
          moved.add(record);
        }
      }
    }
  }

  /** Whether the record's scope is not what the store held, so its children may need to follow. */
  private static boolean movedNow(WorkingRecord record) {
    return !record.deleted
        && (!record.stored || !Objects.equals(scopeOf(record), record.loadedScope));
  }

  /** The scope of the parent {@code parentId} of {@code parentTable}, as the batch leaves it. */
  private String inheritedFrom(Table parentTable, Object parentId) {
    if (parentId == null) {
      return null;
    }
    WorkingRecord parent = set.working(parentTable, parentId.toString());
    return parent.exists ? scopeOf(parent) : null;
  }
}
