package io.fieldsync.client.internal.outbox;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.fieldsync.client.internal.capture.SqlText;
import io.fieldsync.client.internal.state.Jdbc;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.ConflictRule;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.Values;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a refused or parked edit into the local row again, through plain SQL on a connection with
 * capture on: the capture triggers log it like any edit of the application's, with the current
 * cursor as its base, and the next push sends it. A {@code sum} field is written as its increment
 * and a {@code union} field as its added and removed elements, so a retry neither loses nor doubles
 * what other devices did meanwhile.
 */
public final class Requeue {
  private static final Gson GSON = new Gson();

  private final Jdbc jdbc;
  private final Schema schema;

  public Requeue(Jdbc jdbc, Schema schema) {
    this.jdbc = jdbc;
    this.schema = schema;
  }

  /** Writes a pushed change again. */
  public void change(io.fieldsync.wire.Change change) throws SQLException {
    Table table = table(change.getTable());
    if (change.getOp() == Op.OP_DELETE) {
      delete(table, change.getRecordId());
      return;
    }
    Map<String, Object> values = new LinkedHashMap<>();
    Map<String, Long> increments = new LinkedHashMap<>();
    Map<String, FieldChange> unions = new LinkedHashMap<>();
    for (FieldChange field : change.getFieldsList()) {
      Column column = table.column(field.getColumn());
      if (column == null || column.primaryKey()) {
        continue;
      }
      ConflictRule rule = table.ruleFor(column);
      if (rule == ConflictRule.SUM && change.getOp() == Op.OP_UPDATE) {
        increments.put(column.name(), field.getDelta());
      } else if (rule == ConflictRule.UNION
          && (field.getAddedCount() > 0 || field.getRemovedCount() > 0)) {
        unions.put(column.name(), field);
      } else {
        values.put(column.name(), Values.fromWire(field.getValue()));
      }
    }
    Map<String, Object> current = row(table, change.getRecordId(), unions.keySet());
    if (current != null) {
      for (Map.Entry<String, FieldChange> union : unions.entrySet()) {
        values.put(union.getKey(), unionValue(current.get(union.getKey()), union.getValue()));
      }
    } else {
      for (Map.Entry<String, FieldChange> union : unions.entrySet()) {
        values.put(union.getKey(), Values.fromWire(union.getValue().getValue()));
      }
      increments.forEach(values::put);
      increments.clear();
    }
    write(table, change.getRecordId(), values, increments, current != null);
  }

  /**
   * Writes values kept as JSON again: a column's value, or for {@code column} null a whole record's
   * fields as a JSON object (null: a delete).
   */
  public void json(String tableName, String recordId, String column, String json)
      throws SQLException {
    Table table = table(tableName);
    Map<String, Object> values = new LinkedHashMap<>();
    if (column == null) {
      if (json == null) {
        delete(table, recordId);
        return;
      }
      JsonObject fields = parse(json).getAsJsonObject();
      for (Map.Entry<String, JsonElement> field : fields.entrySet()) {
        Column known = table.column(field.getKey());
        if (known != null && !known.primaryKey()) {
          values.put(known.name(), plain(field.getValue()));
        }
      }
    } else {
      Column known = table.column(column);
      if (known == null) {
        throw new IllegalArgumentException(
            "table '" + tableName + "' has no column '" + column + "' in the device's schema");
      }
      values.put(known.name(), json == null ? null : plain(parse(json)));
    }
    write(table, recordId, values, Map.of(), row(table, recordId, Set.of()) != null);
  }

  private void write(
      Table table,
      String recordId,
      Map<String, Object> values,
      Map<String, Long> increments,
      boolean exists)
      throws SQLException {
    String pk = SqlText.identifier(table.primaryKey().name());
    List<Object> args = new ArrayList<>();
    if (exists) {
      if (values.isEmpty() && increments.isEmpty()) {
        return;
      }
      StringBuilder sql = new StringBuilder("UPDATE ").append(SqlText.identifier(table.name()));
      String separator = " SET ";
      for (Map.Entry<String, Object> value : values.entrySet()) {
        sql.append(separator).append(SqlText.identifier(value.getKey())).append(" = ?");
        args.add(value.getValue());
        separator = ", ";
      }
      for (Map.Entry<String, Long> increment : increments.entrySet()) {
        String name = SqlText.identifier(increment.getKey());
        sql.append(separator).append(name).append(" = coalesce(").append(name).append(", 0) + ?");
        args.add(increment.getValue());
        separator = ", ";
      }
      sql.append(" WHERE ").append(pk).append(" = ?");
      args.add(recordId);
      jdbc.update(sql.toString(), args.toArray());
      return;
    }
    StringBuilder columns = new StringBuilder(pk);
    StringBuilder marks = new StringBuilder("?");
    args.add(recordId);
    for (Map.Entry<String, Object> value : values.entrySet()) {
      columns.append(", ").append(SqlText.identifier(value.getKey()));
      marks.append(", ?");
      args.add(value.getValue());
    }
    jdbc.update(
        "INSERT INTO "
            + SqlText.identifier(table.name())
            + " ("
            + columns
            + ") VALUES ("
            + marks
            + ")",
        args.toArray());
  }

  private void delete(Table table, String recordId) throws SQLException {
    jdbc.update(
        "DELETE FROM "
            + SqlText.identifier(table.name())
            + " WHERE "
            + SqlText.identifier(table.primaryKey().name())
            + " = ?",
        recordId);
  }

  /** The row's values of {@code columns}, or null when the device has no such row. */
  private Map<String, Object> row(Table table, String recordId, Set<String> columns)
      throws SQLException {
    StringBuilder sql = new StringBuilder("SELECT 1");
    for (String column : columns) {
      sql.append(", ").append(SqlText.identifier(column));
    }
    sql.append(" FROM ")
        .append(SqlText.identifier(table.name()))
        .append(" WHERE ")
        .append(SqlText.identifier(table.primaryKey().name()))
        .append(" = ?");
    List<String> names = new ArrayList<>(columns);
    return jdbc.first(
        sql.toString(),
        rows -> {
          Map<String, Object> values = new LinkedHashMap<>();
          for (int i = 0; i < names.size(); i++) {
            values.put(names.get(i), rows.getObject(i + 2));
          }
          return values;
        },
        recordId);
  }

  /** The row's elements less the removed ones, plus the added ones it lacks. */
  private static String unionValue(Object current, FieldChange field) {
    Set<String> elements = new LinkedHashSet<>();
    if (current instanceof String text) {
      JsonElement parsed = parse(text);
      if (parsed.isJsonArray()) {
        for (JsonElement element : parsed.getAsJsonArray()) {
          elements.add(GSON.toJson(element));
        }
      }
    }
    for (String removed : field.getRemovedList()) {
      elements.remove(GSON.toJson(parse(removed)));
    }
    for (String added : field.getAddedList()) {
      elements.add(GSON.toJson(parse(added)));
    }
    JsonArray result = new JsonArray();
    elements.forEach(element -> result.add(parse(element)));
    return GSON.toJson(result);
  }

  private Table table(String name) {
    Table table = schema.table(name);
    if (table == null) {
      throw new IllegalArgumentException(
          "table '" + name + "' is not in the device's schema (v" + schema.version() + ")");
    }
    return table;
  }

  private static JsonElement parse(String json) {
    try {
      return JsonParser.parseString(json);
    } catch (JsonParseException e) {
      throw new IllegalArgumentException("stored value is not JSON: " + e.getMessage(), e);
    }
  }

  /** A JSON value as the Java value a column takes: text, integer, real, boolean, null. */
  private static Object plain(JsonElement element) {
    if (element == null || element.isJsonNull()) {
      return null;
    }
    if (!element.isJsonPrimitive()) {
      return GSON.toJson(element);
    }
    JsonPrimitive primitive = element.getAsJsonPrimitive();
    if (primitive.isBoolean()) {
      return primitive.getAsBoolean() ? 1L : 0L;
    }
    if (primitive.isNumber()) {
      String text = primitive.getAsString();
      if (text.contains(".") || text.contains("e") || text.contains("E")) {
        return primitive.getAsDouble();
      }
      try {
        return Long.parseLong(text);
      } catch (NumberFormatException e) {
        return primitive.getAsDouble();
      }
    }
    return primitive.getAsString();
  }
}
