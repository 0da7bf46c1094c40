package io.fieldsync.server.push;

import io.fieldsync.schema.Column;
import io.fieldsync.schema.ParentDeleteRule;
import io.fieldsync.schema.Table;
import io.fieldsync.server.review.ParkedRecord;
import io.fieldsync.store.ReviewItem;
import io.fieldsync.wire.FieldVersion;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code on_parent_delete} rules, in both directions.
 *
 * <p>A child written while its parent is deleted (a tombstone on the server, or deleted later in
 * this batch): {@code cascade} stores the child as a tombstone (the device's values stay in the
 * journal and the tombstone), {@code restore_parent} brings the parent back from its tombstone and
 * applies the child, {@code review} parks the whole child record.
 *
 * <p>A parent deleted while the server holds live children: any child under {@code restore_parent}
 * keeps the parent (the delete is not applied), else any child under {@code review} parks the
 * delete, else ({@code cascade}) the children are deleted with it. Either order of the two devices'
 * syncs thus ends with the same rows.
 */
final class ParentDeleteRules {
  /** A live record pointing at a parent through one of its foreign keys. */
  private record Child(Column foreignKey, WorkingRecord record) {}

  private final WorkingSet set;
  private final SchemaColumns columns;
  private final BatchJournal journal;

  /** The records a parent's delete in this batch cascaded, with why. */
  private final Map<WorkingRecord, String> cascadedInBatch = new HashMap<>();

  ParentDeleteRules(WorkingSet set, SchemaColumns columns, BatchJournal journal) {
    this.set = set;
    this.columns = columns;
    this.journal = journal;
  }

  /** Applies the rule of a child whose parent is deleted; null when no parent is deleted. */
  Decision parentsOf(PreparedChange change, WorkingRecord record) {
    Table table = change.table;
    for (Column foreignKey : columns.foreignKeys(table)) {
      Table parentTable = columns.schema().table(foreignKey.references());
      Object reference =
          change.valuesByColumn.containsKey(foreignKey.name())
              ? change.valuesByColumn.get(foreignKey.name())
              : record.exists ? record.values.get(foreignKey.name()) : null;
      if (parentTable == null || reference == null) {
        continue;
      }
      String parentId = reference.toString();
      if (parentTable == table && parentId.equals(change.id)) {
        continue;
      }
      WorkingRecord parent = set.working(parentTable, parentId);
      boolean tombstone = parent.exists && parent.deleted;
      boolean deletedLater =
          !tombstone && parent.exists && set.deletedInBatch(parentTable, parentId);
      if (!tombstone && !deletedLater) {
        continue;
      }
      String why = parentDeleted(table, change.id, foreignKey, parentId);
      switch (foreignKey.onParentDelete()) {
        case CASCADE -> {
          if (tombstone) {
            return cascadeChild(change, record, why);
          }
          // deleted later in this batch: the child is written, and the delete takes it along only
          // if the delete itself is applied (a sibling under review or restore_parent keeps it)
        }
        case REVIEW -> {
          return parkChild(change, record, parent, why);
        }
        case RESTORE_PARENT -> {
          if (tombstone) {
            restore(parent, change.hlc);
          }
          // deleted later in this batch: the delete finds this child live and keeps the parent
        }
      }
    }
    return null;
  }

  private Decision cascadeChild(PreparedChange change, WorkingRecord record, String why) {
    String reason = cascadeReason(why);
    if (record.exists && record.deleted) {
      return Decision.kept(reason);
    }
    boolean wasLive = record.exists;
    if (!record.exists) {
      // The tombstone keeps the device's values as well as the journal does.
      record.exists = true;
      record.values.put(change.table.primaryKey().name(), change.id);
      for (PreparedField field : change.fields) {
        record.values.put(field.column().name(), field.value());
      }
    }
    record.deleted = true;
    record.row = set.version(record, change.hlc);
    if (wasLive) {
      // its own children go with it, as they would with a deleted parent
      cascade(record, cascadingChildren(record), change.hlc, new HashSet<>(Set.of(record)));
    }
    return Decision.cascaded(reason, record.newSeq);
  }

  private static String parentDeleted(Table table, String id, Column foreignKey, String parentId) {
    return "table '"
        + table.name()
        + "', record '"
        + id
        + "': its parent '"
        + foreignKey.references()
        + "' record '"
        + parentId
        + "' (column '"
        + foreignKey.name()
        + "') was deleted";
  }

  private static String cascadeReason(String why) {
    return why + " and on_parent_delete is cascade, so the child was deleted too";
  }

  /**
   * How a change the batch wrote to a record that a parent's delete later in the batch then
   * cascaded is answered, or null when the record was not cascaded: the device is told, and drops
   * its copy.
   */
  Decision cascadedLater(WorkingRecord record) {
    String why = cascadedInBatch.get(record);
    return why == null ? null : Decision.cascaded(cascadeReason(why), record.newSeq);
  }

  private Decision parkChild(
      PreparedChange change, WorkingRecord record, WorkingRecord parent, String why) {
    Map<String, Object> fields = new LinkedHashMap<>();
    for (PreparedField field : change.fields) {
      fields.put(field.column().name(), field.value());
    }
    String reason = why + " and on_parent_delete is review";
    FieldVersion deletion = parent.row;
    set.transaction.park(
        new ReviewItem(
            0,
            change.table.name(),
            change.id,
            null,
            record.exists && !record.deleted ? ParkedRecord.valuesJson(record.values) : null,
            ParkedRecord.valuesJson(fields),
            change.change.getBaseSeq(),
            deletion == null ? 0 : deletion.getHlc(),
            deletion == null ? null : deletion.getDevice(),
            change.hlc,
            set.device,
            reason,
            set.now,
            "open",
            null));
    return Decision.parked(reason + "; the record went to the review queue");
  }

  private void restore(WorkingRecord parent, long hlc) {
    parent.deleted = false;
    parent.row = set.version(parent, hlc);
    journal.restored(parent, hlc);
  }

  /** Applies the rules of a deleted parent's live children; null when the delete proceeds. */
  Decision childrenOf(PreparedChange change, WorkingRecord parent) {
    List<Child> children = liveChildren(parent);
    if (children.isEmpty()) {
      return null;
    }
    String where = "table '" + parent.table.name() + "', record '" + parent.id + "'";
    List<String> keeping = describe(children, ParentDeleteRule.RESTORE_PARENT);
    if (!keeping.isEmpty()) {
      return Decision.kept(
          where
              + ": live children "
              + keeping
              + " have on_parent_delete restore_parent, so the record stays");
    }
    List<String> reviewing = describe(children, ParentDeleteRule.REVIEW);
    if (!reviewing.isEmpty()) {
      WorkingRecord first = children.get(0).record();
      for (Child child : children) {
        if (child.foreignKey().onParentDelete() == ParentDeleteRule.REVIEW) {
          first = child.record();
          break;
        }
      }
      FieldVersion latest = first.row;
      String reason =
          where
              + ": a delete of a record with live children "
              + reviewing
              + " whose on_parent_delete is review";
      set.transaction.park(
          new ReviewItem(
              0,
              parent.table.name(),
              parent.id,
              null,
              ParkedRecord.valuesJson(parent.values),
              null,
              change.change.getBaseSeq(),
              latest == null ? 0 : latest.getHlc(),
              latest == null ? null : latest.getDevice(),
              change.hlc,
              set.device,
              reason,
              set.now,
              "open",
              null));
      return Decision.parked(reason + "; the delete went to the review queue");
    }
    cascade(parent, children, change.hlc, new HashSet<>(Set.of(parent)));
    return null;
  }

  private void cascade(
      WorkingRecord parent, List<Child> children, long hlc, Set<WorkingRecord> visited) {
    for (Child child : children) {
      WorkingRecord record = child.record();
      if (!visited.add(record) || record.deleted) {
        continue;
      }
      record.deleted = true;
      record.row = set.version(record, hlc);
      journal.cascaded(record, hlc);
      cascadedInBatch.put(
          record, parentDeleted(record.table, record.id, child.foreignKey(), parent.id));
      cascade(record, cascadingChildren(record), hlc, visited);
    }
  }

  private List<Child> cascadingChildren(WorkingRecord parent) {
    List<Child> result = new ArrayList<>();
    for (Child child : liveChildren(parent)) {
      if (child.foreignKey().onParentDelete() == ParentDeleteRule.CASCADE) {
        result.add(child);
      }
    }
    return result;
  }

  private static List<String> describe(List<Child> children, ParentDeleteRule rule) {
    List<String> result = new ArrayList<>();
    for (Child child : children) {
      if (child.foreignKey().onParentDelete() == rule) {
        result.add(child.record().table.name() + " '" + child.record().id + "'");
      }
    }
    return result;
  }

  /** Live records pointing at {@code parent}, as this batch has left them so far. */
  private List<Child> liveChildren(WorkingRecord parent) {
    List<Child> result = new ArrayList<>();
    for (Table table : columns.schema().tables().values()) {
      for (Column foreignKey : columns.foreignKeys(table)) {
        if (!foreignKey.references().equals(parent.table.name())) {
          continue;
        }
        Set<String> ids =
            new LinkedHashSet<>(
                set.transaction.liveChildren(table.name(), foreignKey.name(), parent.id));
        ids.addAll(set.idsIn(table));
        for (String id : ids) {
          WorkingRecord child = set.working(table, id);
          boolean self = table == parent.table && id.equals(parent.id);
          if (!self
              && child.exists
              && !child.deleted
              && parent.id.equals(String.valueOf(child.values.get(foreignKey.name())))) {
            result.add(new Child(foreignKey, child));
          }
        }
      }
    }
    return result;
  }
}
