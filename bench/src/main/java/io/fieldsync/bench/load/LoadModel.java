package io.fieldsync.bench.load;

import io.fieldsync.schema.Schema;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the run's devices wrote, kept by the driver as it writes: the rows every replica and the
 * server must hold at the end. Each visit has one writer (its device), so its last write stands; a
 * household's {@code visit_count} ({@code sum}) is the total of every increment and its {@code
 * members} ({@code max}) the largest value written. Thread-safe.
 */
final class LoadModel {
  private final Schema schema;
  private final Map<String, Map<String, Map<String, Map<String, Object>>>> tenants =
      new ConcurrentHashMap<>();

  LoadModel(Schema schema) {
    this.schema = schema;
  }

  /** A new row with these values. */
  void insert(String tenant, String table, String id, Map<String, Object> values) {
    Map<String, Map<String, Map<String, Object>>> rows = tenant(tenant);
    synchronized (rows) {
      rows.computeIfAbsent(table, name -> new HashMap<>()).put(id, new HashMap<>(values));
    }
  }

  /** A column set by the row's only writer. */
  void set(String tenant, String table, String id, String column, Object value) {
    Map<String, Map<String, Map<String, Object>>> rows = tenant(tenant);
    synchronized (rows) {
      row(rows, table, id).put(column, value);
    }
  }

  /** An increment of a {@code sum} column. */
  void add(String tenant, String table, String id, String column, long delta) {
    Map<String, Map<String, Map<String, Object>>> rows = tenant(tenant);
    synchronized (rows) {
      row(rows, table, id).merge(column, delta, (a, b) -> (Long) a + (Long) b);
    }
  }

  /** A value written to a {@code max} column. */
  void raise(String tenant, String table, String id, String column, long value) {
    Map<String, Map<String, Map<String, Object>>> rows = tenant(tenant);
    synchronized (rows) {
      row(rows, table, id).merge(column, value, (a, b) -> Math.max((Long) a, (Long) b));
    }
  }

  void delete(String tenant, String table, String id) {
    Map<String, Map<String, Map<String, Object>>> rows = tenant(tenant);
    synchronized (rows) {
      Map<String, Map<String, Object>> ofTable = rows.get(table);
      if (ofTable == null || ofTable.remove(id) == null) {
        throw new IllegalStateException("the model has no " + table + " " + id + " to delete");
      }
    }
  }

  /** The tenant's rows in canonical form. */
  Rows rows(String tenant) {
    Rows rows = new Rows(schema);
    Map<String, Map<String, Map<String, Object>>> tables = tenant(tenant);
    synchronized (tables) {
      tables.forEach((table, byId) -> byId.forEach((id, values) -> rows.put(table, id, values)));
    }
    return rows;
  }

  private Map<String, Map<String, Map<String, Object>>> tenant(String tenant) {
    return tenants.computeIfAbsent(tenant, name -> new HashMap<>());
  }

  private static Map<String, Object> row(
      Map<String, Map<String, Map<String, Object>>> rows, String table, String id) {
    Map<String, Object> row = rows.getOrDefault(table, Map.of()).get(id);
    if (row == null) {
      throw new IllegalStateException("the model has no " + table + " " + id + " to change");
    }
    return row;
  }
}
