package io.fieldsync.bench.load;

import io.fieldsync.schema.Column;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The live rows of one tenant in one canonical form, so that the run's model, the server's store, a
 * device database and a protocol client's copy compare equal when they converged: tables by name,
 * rows by id, every non-key column of the schema with its value as the column's type coerces it
 * (null when unset). Not thread-safe.
 */
final class Rows {
  private final Schema schema;
  private final Map<String, Map<String, Map<String, Object>>> tables = new TreeMap<>();

  Rows(Schema schema) {
    this.schema = schema;
    for (String table : schema.tables().keySet()) {
      tables.put(table, new TreeMap<>());
    }
  }

  /** Sets a row to {@code values} (columns missing from it are null). */
  void put(String table, String id, Map<String, ?> values) {
    Table definition = schema.table(table);
    if (definition == null) {
      throw new IllegalStateException("a row of table '" + table + "', which the schema lacks");
    }
    Map<String, Object> row = new LinkedHashMap<>();
    for (Column column : definition.columns().values()) {
      if (!column.primaryKey()) {
        row.put(column.name(), canonical(column, values.get(column.name())));
      }
    }
    tables.get(table).put(id, row);
  }

  void remove(String table, String id) {
    tables.get(table).remove(id);
  }

  int size() {
    return tables.values().stream().mapToInt(Map::size).sum();
  }

  /**
   * The differences from {@code other} in words, at most {@code limit} of them; empty when the two
   * are equal.
   */
  List<String> differences(Rows other, String mine, String theirs, int limit) {
    List<String> found = new ArrayList<>();
    for (String table : tables.keySet()) {
      Map<String, Map<String, Object>> left = tables.get(table);
      Map<String, Map<String, Object>> right = other.tables.get(table);
      TreeSet<String> ids = new TreeSet<>(left.keySet());
      ids.addAll(right.keySet());
      for (String id : ids) {
        Map<String, Object> a = left.get(id);
        Map<String, Object> b = right.get(id);
        if (!Objects.equals(a, b)) {
          found.add(
              table
                  + " "
                  + id
                  + ": "
                  + mine
                  + " "
                  + describe(a)
                  + ", "
                  + theirs
                  + " "
                  + describe(b));
          if (found.size() == limit) {
            return found;
          }
        }
      }
    }
    return found;
  }

  private static String describe(Map<String, Object> row) {
    return row == null ? "has no such row" : "has " + row;
  }

  private static Object canonical(Column column, Object raw) {
    Object value = raw instanceof Integer number ? Long.valueOf(number.longValue()) : raw;
    if (value == null) {
      return null;
    }
    try {
      return column.type().coerce(value);
    } catch (IllegalArgumentException e) {
      return "!" + value + " (not a valid " + column.type() + ")";
    }
  }
}
