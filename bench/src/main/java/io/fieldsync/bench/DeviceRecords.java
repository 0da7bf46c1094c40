package io.fieldsync.bench;

import io.fieldsync.client.DeviceKey;
import io.fieldsync.client.FieldSyncClient;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * What the device scenario writes on device A, and the check that a device database holds exactly
 * that: the first {@code records} records of the data set, then one-field edits of {@code edits}
 * distinct records among them. A and B are written and read through plain JDBC connections of their
 * own, as another program on the device would, never through the library.
 *
 * <p>The check compares each table's row count and an order-independent digest of its rows (id and
 * every column, values in SQLite's terms: a boolean is 0 or 1, a real with an integral value equals
 * that integer) with the same digest of the expected rows, so a million rows are checked in two
 * table scans. On a mismatch it looks the expected rows up one by one to name the differences.
 */
final class DeviceRecords {
  private final Dataset data;
  private final long blocks;
  private final Map<String, Dataset.Edit> edits = new LinkedHashMap<>();
  private final Map<String, List<String>> columns = new LinkedHashMap<>();
  private final DeviceKey key;
  private Map<String, Digest> expected;

  DeviceRecords(Dataset data, long records, int edits, long seed) {
    this(data, records, edits, seed, null);
  }

  /** Records for device databases encrypted with {@code key} (null: unencrypted ones). */
  DeviceRecords(Dataset data, long records, int edits, long seed, DeviceKey key) {
    this.data = data;
    this.key = key;
    this.blocks = Dataset.blocks(records);
    for (Dataset.Row row : data.block(0)) {
      columns.putIfAbsent(row.table(), List.copyOf(row.values().keySet()));
    }
    int wanted = (int) Math.min(edits, count());
    SplittableRandom random = new SplittableRandom(seed);
    while (this.edits.size() < wanted) {
      List<Dataset.Row> rows = data.block(random.nextLong(blocks));
      Dataset.Row row = rows.get(random.nextInt(rows.size()));
      if (!this.edits.containsKey(row.id())) {
        this.edits.put(row.id(), Dataset.edit(row, random));
      }
    }
  }

  /** Records inserted on device A. */
  long count() {
    return blocks * Dataset.BLOCK;
  }

  /** Records edited on device A after the first push, one field each. */
  int edits() {
    return edits.size();
  }

  /**
   * Inserts every record, parents first, in one transaction of a new JDBC connection to the
   * device's file; the capture triggers record them. Returns the number of fields written.
   */
  long insert(Path file) throws SQLException {
    long fields = 0;
    try (Connection connection = open(file)) {
      connection.setAutoCommit(false);
      Map<String, PreparedStatement> inserts = new HashMap<>();
      try {
        for (Map.Entry<String, List<String>> table : columns.entrySet()) {
          List<String> names = table.getValue();
          inserts.put(
              table.getKey(),
              connection.prepareStatement(
                  "INSERT INTO "
                      + table.getKey()
                      + " (id, "
                      + String.join(", ", names)
                      + ") VALUES (?"
                      + ", ?".repeat(names.size())
                      + ")"));
        }
        for (long b = 0; b < blocks; b++) {
          for (Dataset.Row row : data.block(b)) {
            PreparedStatement insert = inserts.get(row.table());
            insert.setString(1, row.id());
            int index = 2;
            for (String column : columns.get(row.table())) {
              insert.setObject(index++, row.values().get(column));
            }
            insert.executeUpdate();
            fields += row.values().size();
          }
        }
      } finally {
        for (PreparedStatement insert : inserts.values()) {
          insert.close();
        }
      }
      connection.commit();
    }
    return fields;
  }

  /** Applies the one-field edits in one transaction of a new JDBC connection to the file. */
  void edit(Path file) throws SQLException {
    try (Connection connection = open(file)) {
      connection.setAutoCommit(false);
      for (Dataset.Edit edit : edits.values()) {
        try (PreparedStatement update =
            connection.prepareStatement(
                "UPDATE " + edit.table() + " SET " + edit.column() + " = ? WHERE id = ?")) {
          update.setObject(1, edit.value());
          update.setString(2, edit.id());
          if (update.executeUpdate() != 1) {
            throw new IllegalStateException(
                file + " has no " + edit.table() + " record " + edit.id() + " to edit");
          }
        }
      }
      connection.commit();
    }
  }

  /**
   * Throws when the device database does not hold exactly the records written, edits included:
   * every expected row with every value, and no other row.
   */
  void check(Path file, String device) throws SQLException {
    Map<String, Digest> wanted = expected();
    try (Connection connection = open(file)) {
      for (Map.Entry<String, List<String>> table : columns.entrySet()) {
        Digest found = new Digest();
        try (Statement read = connection.createStatement();
            ResultSet rows =
                read.executeQuery(
                    "SELECT id, "
                        + String.join(", ", table.getValue())
                        + " FROM "
                        + table.getKey())) {
          while (rows.next()) {
            List<Object> values = new ArrayList<>();
            for (int i = 2; i <= table.getValue().size() + 1; i++) {
              values.add(rows.getObject(i));
            }
            found.add(canonical(rows.getString(1), values));
          }
        }
        if (!found.equals(wanted.get(table.getKey()))) {
          throw new IllegalStateException(
              device
                  + " does not hold exactly the rows the device scenario wrote on device A: "
                  + table.getKey()
                  + " has "
                  + found.count
                  + " rows, expected "
                  + wanted.get(table.getKey()).count
                  + differences(connection, table.getKey()));
        }
      }
    }
  }

  private Map<String, Digest> expected() {
    if (expected == null) {
      expected = new HashMap<>();
      columns.keySet().forEach(table -> expected.put(table, new Digest()));
      for (long b = 0; b < blocks; b++) {
        for (Dataset.Row row : data.block(b)) {
          expected.get(row.table()).add(canonical(row.id(), expectedValues(row)));
        }
      }
    }
    return expected;
  }

  private List<Object> expectedValues(Dataset.Row row) {
    Dataset.Edit edit = edits.get(row.id());
    List<Object> values = new ArrayList<>();
    for (String column : columns.get(row.table())) {
      values.add(
          edit != null && edit.column().equals(column) ? edit.value() : row.values().get(column));
    }
    return values;
  }

  /** The first few expected rows of the table that the database lacks or holds otherwise. */
  private String differences(Connection connection, String table) throws SQLException {
    List<String> names = columns.get(table);
    List<String> found = new ArrayList<>();
    long missing = 0;
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT " + String.join(", ", names) + " FROM " + table + " WHERE id = ?")) {
      for (long b = 0; b < blocks; b++) {
        for (Dataset.Row row : data.block(b)) {
          if (!row.table().equals(table)) {
            continue;
          }
          select.setString(1, row.id());
          try (ResultSet rows = select.executeQuery()) {
            if (!rows.next()) {
              missing++;
              continue;
            }
            List<Object> wanted = expectedValues(row);
            for (int i = 0; i < names.size() && found.size() < 5; i++) {
              Object value = rows.getObject(i + 1);
              if (!canonical(value).equals(canonical(wanted.get(i)))) {
                found.add(
                    String.format(
                        Locale.ROOT,
                        "%s %s %s = %s, expected %s",
                        table,
                        row.id(),
                        names.get(i),
                        value,
                        wanted.get(i)));
              }
            }
          }
        }
      }
    }
    return "; "
        + missing
        + " expected rows missing"
        + (found.isEmpty() ? "" : "; first differences: " + String.join("; ", found));
  }

  private static String canonical(String id, List<Object> values) {
    StringBuilder row = new StringBuilder(id);
    for (Object value : values) {
      row.append('\u001f').append(canonical(value));
    }
    return row.toString();
  }

  /** A value as SQLite compares it: booleans are integers, integral reals equal integers. */
  static String canonical(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof Boolean flag) {
      return flag ? "1" : "0";
    }
    if (value instanceof Double || value instanceof Float) {
      double real = ((Number) value).doubleValue();
      return real == Math.rint(real) && Math.abs(real) < 1e15
          ? Long.toString((long) real)
          : Double.toString(real);
    }
    if (value instanceof Number number) {
      return Long.toString(number.longValue());
    }
    return "'" + value;
  }

  private Connection open(Path file) throws SQLException {
    Connection connection =
        key == null
            ? DriverManager.getConnection("jdbc:sqlite:" + file)
            : FieldSyncClient.connection(file, key);
    try (Statement pragma = connection.createStatement()) {
      pragma.execute("PRAGMA busy_timeout = 10000");
    }
    return connection;
  }

  /** Row count and the sum of 64-bit row hashes: equal for equal sets of rows in any order. */
  private static final class Digest {
    long count;
    long sum;

    void add(String row) {
      long hash = 0xcbf29ce484222325L;
      for (int i = 0; i < row.length(); i++) {
        hash = (hash ^ row.charAt(i)) * 0x100000001b3L;
      }
      hash ^= hash >>> 33;
      hash *= 0xff51afd7ed558ccdL;
      hash ^= hash >>> 33;
      count++;
      sum += hash;
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Digest digest && digest.count == count && digest.sum == sum;
    }

    @Override
    public int hashCode() {
      return Long.hashCode(sum) * 31 + Long.hashCode(count);
    }
  }
}
