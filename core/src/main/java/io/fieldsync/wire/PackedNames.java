package io.fieldsync.wire;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Tables, and each table's columns, in order of first use. */
final class PackedNames {
  final Map<String, Table> tables = new HashMap<>();
  final List<Table> list = new ArrayList<>();

  /** The table last asked for: records of one table come in runs. */
  private Table last;

  Table of(String name) {
    if (last != null && last.name == name) {
      return last;
    }
    Table table = tables.get(name);
    if (table == null) {
      table = new Table(name, list.size());
      tables.put(name, table);
      list.add(table);
    }
    last = table;
    return table;
  }

  List<PackedTable> build() {
    List<PackedTable> result = new ArrayList<>(list.size());
    for (Table table : list) {
      result.add(PackedTable.newBuilder().setName(table.name).addAllColumns(table.columns).build());
    }
    return result;
  }

  static final class Table {
    final String name;
    final int index;
    final Map<String, Integer> indexes = new HashMap<>();
    final List<String> columns = new ArrayList<>();

    /**
     * The index after the one last returned: a table's records name their columns in the same
     * order, with the same strings, so the next name is usually this one.
     */
    private int next;

    Table(String name, int index) {
      this.name = name;
      this.index = index;
    }

    int column(String column) {
      if (next < columns.size() && columns.get(next) == column) {
        return next++;
      }
      Integer at = indexes.get(column);
      if (at == null) {
        at = columns.size();
        indexes.put(column, at);
        columns.add(column);
      }
      next = at + 1;
      return at;
    }
  }
}
