package io.fieldsync.schema;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One synced table: its columns in declaration order, the primary key, the table-wide conflict
 * default, the delete rule, where its rows' scope comes from (its own column {@code scope}, or the
 * parent its foreign-key column {@code scopeVia} points at, or neither) and whether its rows flow
 * only from the server to devices ({@code readOnly}: devices may not write them, an admin token
 * may). {@link Schema#scopeColumn} resolves a chain of parents to the column that holds the value.
 */
public record Table(
    String name,
    Map<String, Column> columns,
    ConflictRule conflict,
    DeleteRule onDelete,
    String scope,
    boolean readOnly,
    String scopeVia) {

  /** A table that takes no scope from a parent. */
  public Table(
      String name,
      Map<String, Column> columns,
      ConflictRule conflict,
      DeleteRule onDelete,
      String scope,
      boolean readOnly) {
    this(name, columns, conflict, onDelete, scope, readOnly, null);
  }

  /** A table devices may write. */
  public Table(
      String name,
      Map<String, Column> columns,
      ConflictRule conflict,
      DeleteRule onDelete,
      String scope) {
    this(name, columns, conflict, onDelete, scope, false, null);
  }

  public Table {
    Objects.requireNonNull(name, "name");
    columns = Collections.unmodifiableMap(new LinkedHashMap<>(columns));
    conflict = conflict == null ? ConflictRule.LWW : conflict;
    onDelete = onDelete == null ? DeleteRule.DELETE_WINS : onDelete;
    long keys = columns.values().stream().filter(Column::primaryKey).count();
    if (keys != 1) {
      throw new IllegalArgumentException(
          "table '" + name + "': expected exactly one primary_key column, found " + keys);
    }
    if (scope != null && scopeVia != null) {
      throw new IllegalArgumentException(
          "table '"
              + name
              + "': scope names column '"
              + scope
              + "' and a parent (via '"
              + scopeVia
              + "'); give one");
    }
  }

  /** Whether the table's rows are partitioned by scope, through its own column or a parent's. */
  public boolean scoped() {
    return scope != null || scopeVia != null;
  }

  public Column primaryKey() {
    for (Column column : columns.values()) {
      if (column.primaryKey()) {
        return column;
      }
    }
    throw new AssertionError("checked in the constructor");
  }

  public Column column(String columnName) {
    return columns.get(columnName);
  }

  /** The strategy that governs a column: its own, or the table default. */
  public ConflictRule ruleFor(Column column) {
    return column.conflict() != null ? column.conflict() : conflict;
  }

  /** Columns other than the primary key, in declaration order. */
  public List<Column> dataColumns() {
    List<Column> result = new ArrayList<>(columns.size() - 1);
    for (Column column : columns.values()) {
      if (!column.primaryKey()) {
        result.add(column);
      }
    }
    return result;
  }

  /** Columns that reference another table. */
  public List<Column> foreignKeys() {
    List<Column> result = new ArrayList<>();
    for (Column column : columns.values()) {
      if (column.references() != null) {
        result.add(column);
      }
    }
    return result;
  }
}
