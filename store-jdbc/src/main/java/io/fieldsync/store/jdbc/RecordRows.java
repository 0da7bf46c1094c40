package io.fieldsync.store.jdbc;

import com.google.protobuf.InvalidProtocolBufferException;
import io.fieldsync.StorageException;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.ColumnType;
import io.fieldsync.schema.Table;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.wire.Field;
import io.fieldsync.wire.Record;
import io.fieldsync.wire.Values;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Reads records as the engine stores them: a row of {@code _fs_records} (sequence, tombstone flag,
 * encoded field versions, the last values of a tombstone) joined to the record's row in its user
 * table. Also encodes the tombstone values it decodes. Stateless apart from the dialect;
 * thread-safe.
 */
final class RecordRows {
  static final int IN_CHUNK = 500;

  /**
   * The metadata columns {@link #read} reads: the id, the sequence and the tombstone flag in one
   * number (one call into the driver a record instead of two), the versions and the tombstone.
   */
  private static final String METADATA =
      "SELECT r.rid, r.seq * 2 + CASE WHEN r.deleted <> 0 THEN 1 ELSE 0 END, r.versions,"
          + " r.tombstone";

  /** Where a {@link #joinedSelect} row's first user column is. */
  private static final int FIRST_COLUMN = 5;

  private final Dialect dialect;
  private final Supplier<String> location;

  /**
   * @param location where the store lives, named when a stored value turns out corrupt
   */
  RecordRows(Dialect dialect, Supplier<String> location) {
    this.dialect = dialect;
    this.location = location;
  }

  /** Statement source: a transaction's cache, or one-off statements when null. */
  interface Statements {
    PreparedStatement prepare(String sql) throws SQLException;
  }

  /**
   * {@code SELECT r.rid, <seq and deleted>, r.versions, r.tombstone, t.<columns> FROM _fs_records r
   * LEFT JOIN <table> t ...}: the metadata of the table's records joined to their rows, as {@link
   * #read} reads it; the caller appends the WHERE clause.
   */
  StringBuilder joinedSelect(Table table, List<Column> columns) {
    StringBuilder sql = new StringBuilder(METADATA);
    for (Column column : columns) {
      sql.append(", t.").append(dialect.quote(column.name()));
    }
    return sql.append(" FROM _fs_records r LEFT JOIN ")
        .append(dialect.quote(table.name()))
        .append(" t ON t._tenant = r.tenant AND t.")
        .append(dialect.quote(table.primaryKey().name()))
        .append(" = ")
        .append(dialect.keyFromText("r.rid", table.primaryKey().type()));
  }

  /**
   * Where a table's columns are in a {@link #joinedSelect} row: their names in the table's order
   * (primary key included) and, for each, its index in the row, or 0 for the primary key (read from
   * {@code r.rid}).
   */
  record Layout(String[] names, int[] indexes, ColumnType[] types) {
    static Layout of(Table table, List<Column> columns) {
      int count = table.columns().size();
      String[] names = new String[count];
      int[] indexes = new int[count];
      ColumnType[] types = new ColumnType[count];
      int at = 0;
      for (Column column : table.columns().values()) {
        names[at] = column.name();
        indexes[at] = column.primaryKey() ? 0 : FIRST_COLUMN + columns.indexOf(column);
        types[at] = column.type();
        at++;
      }
      return new Layout(names, indexes, types);
    }
  }

  /**
   * One row of a {@link #joinedSelect} as a stored record, its columns where {@code layout} says
   * (made once for the rows of one query). A live record keeps its values by position (see {@link
   * StoredRecord#columns}); the tombstone column is read only for a deleted one.
   */
  StoredRecord read(ResultSet rows, Table table, Layout layout) throws SQLException {
    String id = dialect.readText(rows, 1);
    long seqAndDeleted = rows.getLong(2);
    long seq = seqAndDeleted >> 1;
    boolean deleted = (seqAndDeleted & 1) != 0;
    byte[] versions = rows.getBytes(3);
    if (deleted) {
      Map<String, Object> values = decodeTombstone(table, id, rows.getBytes(4));
      // Parsed on first use: a pull scans the encoded versions instead (see VersionScan).
      return StoredRecord.encoded(table.name(), id, seq, true, values, versions, location.get());
    }
    int[] indexes = layout.indexes();
    ColumnType[] types = layout.types();
    Object[] values = new Object[indexes.length];
    for (int i = 0; i < indexes.length; i++) {
      values[i] = indexes[i] == 0 ? types[i].coerce(id) : dialect.read(rows, indexes[i], types[i]);
    }
    return StoredRecord.columns(
        table.name(), id, seq, layout.names(), values, versions, location.get());
  }

  /**
   * Loads records of one table by id, live or tombstoned, in chunks of {@value #IN_CHUNK} ids per
   * query.
   *
   * @param statements where statements come from; null for one-off statements closed after use
   */
  Map<String, StoredRecord> load(
      Connection connection,
      Statements statements,
      String tenant,
      Table table,
      Collection<String> ids)
      throws SQLException {
    Map<String, StoredRecord> result = new LinkedHashMap<>();
    List<String> unique = new ArrayList<>(new LinkedHashSet<>(ids));
    List<Column> columns = table.dataColumns();
    Layout layout = Layout.of(table, columns);
    if (dialect.looksUpIdsByArray()) {
      String sql = arrayLoadSql(table, columns);
      PreparedStatement statement =
          statements == null ? connection.prepareStatement(sql) : statements.prepare(sql);
      try {
        statement.setArray(1, connection.createArrayOf("text", unique.toArray()));
        statement.setString(2, tenant);
        statement.setString(3, table.name());
        try (ResultSet rows = statement.executeQuery()) {
          while (rows.next()) {
            StoredRecord record = read(rows, table, layout);
            result.put(record.id(), record);
          }
        }
      } finally {
        if (statements == null) {
          statement.close();
        }
      }
      return result;
    }
    for (int start = 0; start < unique.size(); start += IN_CHUNK) {
      List<String> chunk = unique.subList(start, Math.min(unique.size(), start + IN_CHUNK));
      int slots = slots(chunk.size());
      String sql = loadSql(table, columns, slots);
      PreparedStatement statement =
          statements == null ? connection.prepareStatement(sql) : statements.prepare(sql);
      try {
        statement.setString(1, tenant);
        statement.setString(2, table.name());
        for (int i = 0; i < slots; i++) {
          statement.setString(3 + i, chunk.get(Math.min(i, chunk.size() - 1)));
        }
        try (ResultSet rows = statement.executeQuery()) {
          while (rows.next()) {
            StoredRecord record = read(rows, table, layout);
            result.put(record.id(), record);
          }
        }
      } finally {
        if (statements == null) {
          statement.close();
        }
      }
    }
    return result;
  }

  /**
   * The placeholders of a lookup of {@code ids} ids: the next power of two, at most {@value
   * #IN_CHUNK}, the spare ones bound to the last id again. A kept statement cache then holds a few
   * lookups per table instead of one per batch size.
   */
  static int slots(int ids) {
    return Math.min(IN_CHUNK, Integer.highestOneBit(Math.max(1, ids) * 2 - 1));
  }

  private String loadSql(Table table, List<Column> columns, int idCount) {
    StringBuilder sql =
        joinedSelect(table, columns).append(" WHERE r.tenant = ? AND r.tbl = ? AND r.rid IN (");
    for (int i = 0; i < idCount; i++) {
      sql.append(i == 0 ? "?" : ", ?");
    }
    return sql.append(')').toString();
  }

  /**
   * The lookup of {@link Dialect#looksUpIdsByArray}: the ids as an array, then tenant and table;
   * {@code OFFSET 0} keeps each lateral subquery a probe per id.
   */
  private String arrayLoadSql(Table table, List<Column> columns) {
    StringBuilder sql = new StringBuilder(METADATA);
    for (Column column : columns) {
      sql.append(", t.").append(dialect.quote(column.name()));
    }
    return sql.append(" FROM unnest(?) AS k(rid) JOIN LATERAL (SELECT * FROM _fs_records")
        .append(" WHERE tenant = ? AND tbl = ? AND rid = k.rid OFFSET 0) r ON true")
        .append(" LEFT JOIN LATERAL (SELECT * FROM ")
        .append(dialect.quote(table.name()))
        .append(" u WHERE u._tenant = r.tenant AND u.")
        .append(dialect.quote(table.primaryKey().name()))
        .append(" = ")
        .append(dialect.keyFromText("r.rid", table.primaryKey().type()))
        .append(" OFFSET 0) t ON true")
        .toString();
  }

  /** The last values of a deleted record, as {@code _fs_records.tombstone} keeps them. */
  static byte[] encodeTombstone(Map<String, Object> values) {
    Record.Builder record = Record.newBuilder();
    for (Map.Entry<String, Object> entry : values.entrySet()) {
      record.addFields(
          Field.newBuilder().setColumn(entry.getKey()).setValue(Values.toWire(entry.getValue())));
    }
    return record.build().toByteArray();
  }

  private Map<String, Object> decodeTombstone(Table table, String id, byte[] bytes) {
    Map<String, Object> values = new LinkedHashMap<>();
    if (bytes == null) {
      return values;
    }
    try {
      for (Field field : Record.parseFrom(bytes).getFieldsList()) {
        Column column = table.column(field.getColumn());
        if (column != null) {
          values.put(column.name(), column.type().coerce(Values.fromWire(field.getValue())));
        }
      }
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      throw new StorageException(
          "corrupt tombstone of " + table.name() + " record '" + id + "' in " + location.get(), e);
    }
    return values;
  }
}
