package io.fieldsync.schema;

import java.util.Objects;

/**
 * One column of a synced table.
 *
 * @param conflict the column's own strategy, or null to use the table default
 * @param references the parent table this column points at, or null
 * @param onParentDelete what happens to a child whose parent was deleted; null unless a reference
 */
public record Column(
    String name,
    ColumnType type,
    boolean primaryKey,
    boolean required,
    String references,
    ParentDeleteRule onParentDelete,
    ConflictRule conflict) {

  public Column {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    if (references == null && onParentDelete != null) {
      throw new IllegalArgumentException(
          "column '" + name + "': on_parent_delete needs references");
    }
    if (references != null && onParentDelete == null) {
      onParentDelete = ParentDeleteRule.REVIEW;
    }
  }

  public static Column of(String name, ColumnType type) {
    return new Column(name, type, false, false, null, null, null);
  }
}
