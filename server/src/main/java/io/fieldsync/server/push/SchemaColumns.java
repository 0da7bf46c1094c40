package io.fieldsync.server.push;

import io.fieldsync.schema.Column;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Per table, its column lists, built once (the schema builds them on every call). */
final class SchemaColumns {
  private record TableColumns(List<Column> data, List<Column> foreignKeys) {}

  private final Schema schema;
  private final Map<String, TableColumns> byTable = new HashMap<>();

  SchemaColumns(Schema schema) {
    this.schema = schema;
    for (Table table : schema.tables().values()) {
      byTable.put(
          table.name(),
          new TableColumns(List.copyOf(table.dataColumns()), List.copyOf(table.foreignKeys())));
    }
  }

  Schema schema() {
    return schema;
  }

  List<Column> data(Table table) {
    return byTable.get(table.name()).data();
  }

  List<Column> foreignKeys(Table table) {
    return byTable.get(table.name()).foreignKeys();
  }
}
