package io.fieldsync.testkit;

import io.fieldsync.StorageException;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.store.PullPage;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.store.SyncStore;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The rows of every synced table, read from a device database or from the server's store, in one
 * canonical form: tables in schema order, rows by primary key, every column of the schema with its
 * canonical value ({@link io.fieldsync.schema.ColumnType#coerce}). Two replicas that converged have
 * equal snapshots, and {@link Snapshot#toString()} prints one line per row, so AssertJ's string
 * diff shows exactly which rows differ.
 */
public final class Replicas {
  private static final int PAGE = 1000;

  private Replicas() {}

  /** Every row of a table: primary key to column to canonical value. */
  public record Snapshot(Map<String, Map<String, Map<String, Object>>> tables) {
    public Snapshot {
      tables = Collections.unmodifiableMap(new LinkedHashMap<>(tables));
    }

    /** The rows of one table, by primary key. */
    public Map<String, Map<String, Object>> rows(String table) {
      return tables.getOrDefault(table, Map.of());
    }

    /** One row, or null. */
    public Map<String, Object> row(String table, String id) {
      return rows(table).get(id);
    }

    public int rowCount() {
      return tables.values().stream().mapToInt(Map::size).sum();
    }

    /** One line per row: {@code table id column=value ...}, values JSON-ish and typed. */
    @Override
    public String toString() {
      StringBuilder text = new StringBuilder();
      for (Map.Entry<String, Map<String, Map<String, Object>>> table : tables.entrySet()) {
        for (Map.Entry<String, Map<String, Object>> row : table.getValue().entrySet()) {
          text.append(table.getKey()).append(' ').append(row.getKey());
          for (Map.Entry<String, Object> column : row.getValue().entrySet()) {
            text.append(' ').append(column.getKey()).append('=').append(show(column.getValue()));
          }
          text.append('\n');
        }
      }
      return text.toString();
    }

    private static String show(Object value) {
      if (value == null) {
        return "null";
      }
      if (value instanceof String text) {
        return '"' + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
      }
      return value + (value instanceof Double ? "d" : value instanceof Long ? "L" : "");
    }
  }

  /**
   * The user tables of a device database, read with a plain JDBC connection.
   *
   * @throws StorageException when the file cannot be read
   */
  public static Snapshot device(Path database, Schema schema) {
    Map<String, Map<String, Map<String, Object>>> tables = new LinkedHashMap<>();
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + database);
        Statement statement = connection.createStatement()) {
      for (Table table : schema.tables().values()) {
        Map<String, Map<String, Object>> rows = new TreeMap<>();
        try (ResultSet result = statement.executeQuery("SELECT * FROM \"" + table.name() + "\"")) {
          while (result.next()) {
            Map<String, Object> row = new LinkedHashMap<>();
            for (Column column : table.columns().values()) {
              row.put(column.name(), canonical(column, result.getObject(column.name())));
            }
            rows.put(String.valueOf(row.get(table.primaryKey().name())), row);
          }
        }
        tables.put(table.name(), rows);
      }
    } catch (SQLException e) {
      throw new StorageException("cannot read device database " + database + ": " + e, e);
    }
    return new Snapshot(tables);
  }

  /** The live (not deleted) records of a tenant in the server's store. */
  public static Snapshot server(SyncStore store, String tenant, Schema schema) {
    Map<String, Map<String, Map<String, Object>>> tables = new LinkedHashMap<>();
    for (Table table : schema.tables().values()) {
      tables.put(table.name(), new TreeMap<>());
    }
    long cursor = 0;
    while (true) {
      PullPage page = store.pull(tenant, cursor, PAGE);
      if (page.records().isEmpty()) {
        break;
      }
      for (StoredRecord record : page.records()) {
        cursor = Math.max(cursor, record.seq());
        Table table = schema.table(record.table());
        Map<String, Map<String, Object>> rows = tables.get(record.table());
        if (table == null || rows == null) {
          throw new AssertionError(
              "the store holds a record of table '"
                  + record.table()
                  + "', which the schema does not have");
        }
        if (record.deleted()) {
          rows.remove(record.id());
          continue;
        }
        Map<String, Object> row = new LinkedHashMap<>();
        for (Column column : table.columns().values()) {
          Object value = column.primaryKey() ? record.id() : record.values().get(column.name());
          row.put(column.name(), canonical(column, value));
        }
        rows.put(record.id(), row);
      }
    }
    return new Snapshot(tables);
  }

  private static Object canonical(Column column, Object raw) {
    Object value = raw instanceof Integer number ? Long.valueOf(number.longValue()) : raw;
    if (value == null) {
      return null;
    }
    try {
      return column.type().coerce(value);
    } catch (IllegalArgumentException e) {
      // A value the server would refuse, still on a device: show it raw so the diff names it.
      return "!" + Objects.toString(value) + " (not a valid " + column.type() + ")";
    }
  }
}
