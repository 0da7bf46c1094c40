package io.fieldsync.wire;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Tables, and each table's columns, in order of first use. */
final class PackedNames {
  final Map<String, Table> tables = new HashMap<>();
  final List<Table> list = new ArrayList<>();

  Table of(String name) {
    Table table = tables.get(name);
    if (table == null) {
      table = new Table(name, list.size());
      tables.put(name, table);
      list.add(table);
    }
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

    Table(String name, int index) {
      this.name = name;
      this.index = index;
    }

    int column(String column) {
      Integer at = indexes.get(column);
      if (at == null) {
        at = columns.size();
        indexes.put(column, at);
        columns.add(column);
      }
      return at;
    }
  }
}
