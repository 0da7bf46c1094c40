package io.fieldsync.schema;

import io.fieldsync.ProtocolException;
import io.fieldsync.wire.ColumnDef;
import io.fieldsync.wire.SchemaDef;
import io.fieldsync.wire.TableDef;
import java.util.LinkedHashMap;
import java.util.Map;

/** Converts a {@link Schema} to and from its wire form, which devices download. */
public final class SchemaCodec {
  private SchemaCodec() {}

  public static SchemaDef toWire(Schema schema) {
    SchemaDef.Builder builder = SchemaDef.newBuilder().setVersion(schema.version());
    for (Table table : schema.tables().values()) {
      TableDef.Builder tableDef =
          TableDef.newBuilder()
              .setName(table.name())
              .setConflict(table.conflict().schemaName())
              .setOnDelete(table.onDelete().schemaName())
              .setReadOnly(table.readOnly());
      if (table.scope() != null) {
        tableDef.setScope(table.scope());
      }
      if (table.scopeVia() != null) {
        tableDef.setScopeVia(table.scopeVia());
      }
      for (Column column : table.columns().values()) {
        ColumnDef.Builder columnDef =
            ColumnDef.newBuilder()
                .setName(column.name())
                .setType(column.type().schemaName())
                .setPrimaryKey(column.primaryKey())
                .setRequired(column.required());
        if (column.references() != null) {
          columnDef.setReferences(column.references());
          columnDef.setOnParentDelete(column.onParentDelete().schemaName());
        }
        if (column.conflict() != null) {
          columnDef.setConflict(column.conflict().schemaName());
        }
        tableDef.addColumns(columnDef);
      }
      builder.addTables(tableDef);
    }
    return builder.build();
  }

  /**
   * @throws ProtocolException when the wire form names an unknown type or strategy
   */
  public static Schema fromWire(SchemaDef def) {
    try {
      Map<String, Table> tables = new LinkedHashMap<>();
      for (TableDef tableDef : def.getTablesList()) {
        Map<String, Column> columns = new LinkedHashMap<>();
        for (ColumnDef columnDef : tableDef.getColumnsList()) {
          columns.put(
              columnDef.getName(),
              new Column(
                  columnDef.getName(),
                  ColumnType.fromSchemaName(columnDef.getType()),
                  columnDef.getPrimaryKey(),
                  columnDef.getRequired(),
                  emptyToNull(columnDef.getReferences()),
                  columnDef.getOnParentDelete().isEmpty()
                      ? null
                      : ParentDeleteRule.fromSchemaName(columnDef.getOnParentDelete()),
                  columnDef.getConflict().isEmpty()
                      ? null
                      : ConflictRule.fromSchemaName(columnDef.getConflict())));
        }
        tables.put(
            tableDef.getName(),
            new Table(
                tableDef.getName(),
                columns,
                tableDef.getConflict().isEmpty()
                    ? null
                    : ConflictRule.fromSchemaName(tableDef.getConflict()),
                tableDef.getOnDelete().isEmpty()
                    ? null
                    : DeleteRule.fromSchemaName(tableDef.getOnDelete()),
                emptyToNull(tableDef.getScope()),
                tableDef.getReadOnly(),
                emptyToNull(tableDef.getScopeVia())));
      }
      return new Schema(def.getVersion(), tables);
    } catch (IllegalArgumentException e) {
      throw new ProtocolException("invalid schema from server: " + e.getMessage(), e);
    }
  }

  private static String emptyToNull(String text) {
    return text.isEmpty() ? null : text;
  }
}
