package io.fieldsync.store.jdbc;

import io.fieldsync.StorageException;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.ColumnType;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.store.JournalEntry;
import io.fieldsync.store.ReviewItem;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.store.WriteTransaction;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One write transaction over JDBC. Statements are prepared once per transaction and reused; writes
 * are queued as JDBC batches per target table and flushed before any read and at commit. Writes to
 * one table keep their order: switching to another statement on the same table flushes the queued
 * one first. Not thread-safe.
 */
final class JdbcWriteTransaction implements WriteTransaction {
  private static final String RECORDS_TARGET = "_fs_records";

  private final JdbcSyncStore store;
  private final Dialect dialect;
  private final Connection connection;
  private final Schema schema;
  private final String tenant;
  private final long committedSequence;
  private long sequence;
  private final Map<String, PreparedStatement> statements = new HashMap<>();
  private final Map<String, TableWrites> tableWrites = new HashMap<>();

  /** Per target table, the statement with queued batch rows (at most one per target). */
  private final Map<String, PreparedStatement> pending = new LinkedHashMap<>();

  private final String recordsUpsert;
  private final String journalInsert =
      "INSERT INTO _fs_journal (tenant, seq, tbl, rid, op, fields, hlc, device, batch_id, outcome)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  private final String batchInsert =
      "INSERT INTO _fs_batches (tenant, device, batch_id, outcome) VALUES (?, ?, ?, ?)";

  JdbcWriteTransaction(
      JdbcSyncStore store, Connection connection, Schema schema, String tenant, long sequence) {
    this.store = store;
    this.dialect = store.dialect();
    this.connection = connection;
    this.schema = schema;
    this.tenant = tenant;
    this.committedSequence = sequence;
    this.sequence = sequence;
    this.recordsUpsert =
        dialect.upsert(
            RECORDS_TARGET,
            List.of("tenant", "tbl", "rid"),
            List.of("tenant", "tbl", "rid", "seq", "deleted", "versions", "tombstone"));
  }

  @Override
  public String tenant() {
    return tenant;
  }

  @Override
  public long nextSequence() {
    return ++sequence;
  }

  @Override
  public long sequence() {
    return sequence;
  }

  @Override
  public Optional<byte[]> batchOutcome(String device, String batchId) {
    try {
      flush();
      return JdbcSyncStore.readBatchOutcome(connection, tenant, device, batchId);
    } catch (SQLException e) {
      throw store.failure("reading batch '" + batchId + "'", e);
    }
  }

  @Override
  public Map<String, StoredRecord> load(String tableName, Collection<String> ids) {
    Table table = schema.requireTable(tableName);
    if (ids.isEmpty()) {
      return Map.of();
    }
    try {
      flush();
      return store.loadRecords(connection, this::prepare, tenant, table, ids);
    } catch (SQLException e) {
      throw store.failure("loading " + ids.size() + " records of '" + tableName + "'", e);
    }
  }

  @Override
  public void save(StoredRecord record) {
    Table table = schema.requireTable(record.table());
    TableWrites writes = tableWrites.computeIfAbsent(table.name(), unused -> writes(table));
    try {
      if (record.deleted()) {
        PreparedStatement delete = queue(table.name(), writes.delete());
        delete.setString(1, tenant);
        ColumnType keyType = table.primaryKey().type();
        dialect.bind(delete, 2, keyType, keyType.coerce(record.id()));
        delete.addBatch();
      } else {
        PreparedStatement upsert = queue(table.name(), writes.upsert());
        upsert.setString(1, tenant);
        List<Column> columns = writes.columns();
        for (int i = 0; i < columns.size(); i++) {
          Column column = columns.get(i);
          Object value =
              column.primaryKey()
                  ? column.type().coerce(record.id())
                  : record.values().get(column.name());
          dialect.bind(upsert, i + 2, column.type(), value);
        }
        upsert.addBatch();
      }
      PreparedStatement meta = queue(RECORDS_TARGET, recordsUpsert);
      meta.setString(1, tenant);
      meta.setString(2, table.name());
      meta.setString(3, record.id());
      meta.setLong(4, record.seq());
      meta.setInt(5, record.deleted() ? 1 : 0);
      meta.setBytes(6, record.versions().toByteArray());
      meta.setBytes(7, record.deleted() ? JdbcSyncStore.encodeValues(record.values()) : null);
      meta.addBatch();
    } catch (SQLException e) {
      throw store.failure("saving " + table.name() + " record '" + record.id() + "'", e);
    }
  }

  /** The write statements of one user table, built once per transaction. */
  private record TableWrites(List<Column> columns, String upsert, String delete) {}

  private TableWrites writes(Table table) {
    List<Column> columns = List.copyOf(table.columns().values());
    List<String> names = new ArrayList<>(columns.size() + 1);
    names.add("_tenant");
    for (Column column : columns) {
      names.add(column.name());
    }
    return new TableWrites(
        columns,
        dialect.upsert(table.name(), List.of("_tenant", table.primaryKey().name()), names),
        "DELETE FROM "
            + dialect.quote(table.name())
            + " WHERE _tenant = ? AND "
            + dialect.quote(table.primaryKey().name())
            + " = ?");
  }

  @Override
  public List<String> liveChildren(String tableName, String columnName, Object parentId) {
    Table table = schema.requireTable(tableName);
    Column column = table.column(columnName);
    if (column == null) {
      throw new IllegalArgumentException(
          "table '" + tableName + "' has no column '" + columnName + "'");
    }
    Column key = table.primaryKey();
    try {
      flush();
      PreparedStatement select =
          prepare(
              "SELECT "
                  + dialect.quote(key.name())
                  + " FROM "
                  + dialect.quote(table.name())
                  + " WHERE _tenant = ? AND "
                  + dialect.quote(column.name())
                  + " = ?");
      select.setString(1, tenant);
      dialect.bind(select, 2, column.type(), column.type().coerce(parentId));
      List<String> ids = new ArrayList<>();
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          ids.add(String.valueOf(key.type().coerce(rows.getString(1))));
        }
      }
      return ids;
    } catch (SQLException e) {
      throw store.failure(
          "listing the records of '" + tableName + "' whose '" + columnName + "' is the parent", e);
    }
  }

  @Override
  public void journal(JournalEntry entry) {
    try {
      PreparedStatement insert = queue("_fs_journal", journalInsert);
      insert.setString(1, tenant);
      insert.setLong(2, entry.seq());
      insert.setString(3, entry.table());
      insert.setString(4, entry.recordId());
      insert.setString(5, entry.op());
      insert.setString(6, entry.fields());
      insert.setLong(7, entry.hlc());
      insert.setString(8, entry.device());
      insert.setString(9, entry.batchId());
      insert.setString(10, entry.outcome());
      insert.addBatch();
    } catch (SQLException e) {
      throw store.failure("journaling a change of '" + entry.table() + "'", e);
    }
  }

  @Override
  public void recordDeviceBatch(String device, long number) {
    try {
      PreparedStatement raise =
          prepare(
              "INSERT INTO _fs_devices (tenant, device, last_batch) VALUES (?, ?, ?)"
                  + " ON CONFLICT (tenant, device) DO UPDATE SET last_batch = excluded.last_batch"
                  + " WHERE _fs_devices.last_batch < excluded.last_batch");
      raise.setString(1, tenant);
      raise.setString(2, device);
      raise.setLong(3, number);
      raise.executeUpdate();
    } catch (SQLException e) {
      throw store.failure("recording the batch number of device '" + device + "'", e);
    }
  }

  @Override
  public void recordBatch(String device, String batchId, byte[] outcome) {
    try {
      PreparedStatement insert = queue("_fs_batches", batchInsert);
      insert.setString(1, tenant);
      insert.setString(2, device);
      insert.setString(3, batchId);
      insert.setBytes(4, outcome);
      insert.addBatch();
    } catch (SQLException e) {
      throw store.failure("recording batch '" + batchId + "'", e);
    }
  }

  @Override
  public long park(ReviewItem item) {
    try {
      flush();
      PreparedStatement insert = prepare(ReviewRows.INSERT);
      ReviewRows.bindInsert(insert, tenant, item);
      try (ResultSet keys = insert.executeQuery()) {
        if (!keys.next()) {
          throw new StorageException("the database returned no id for a parked review item");
        }
        return keys.getLong(1);
      }
    } catch (SQLException e) {
      throw store.failure("parking a review item of '" + item.table() + "'", e);
    }
  }

  @Override
  public boolean resolveReview(long id, String resolution, long resolvedAtMillis) {
    try {
      flush();
      PreparedStatement update =
          prepare(
              "UPDATE _fs_review SET status = 'resolved', resolution = ?, resolved_at = ?"
                  + " WHERE tenant = ? AND id = ? AND status = 'open'");
      update.setString(1, resolution);
      update.setLong(2, resolvedAtMillis);
      update.setString(3, tenant);
      update.setLong(4, id);
      return update.executeUpdate() == 1;
    } catch (SQLException e) {
      throw store.failure("resolving review item " + id, e);
    }
  }

  /** Flushes queued writes and stores the sequence; called just before commit. */
  void finish() throws SQLException {
    flush();
    if (sequence != committedSequence) {
      PreparedStatement update = prepare("UPDATE _fs_sequence SET value = ? WHERE tenant = ?");
      update.setLong(1, sequence);
      update.setString(2, tenant);
      update.executeUpdate();
    }
  }

  void close() {
    for (PreparedStatement statement : statements.values()) {
      try {
        statement.close();
      } catch (SQLException ignored) {
        // closing a statement of a finished transaction: nothing to recover
      }
    }
    statements.clear();
    pending.clear();
  }

  PreparedStatement prepare(String sql) throws SQLException {
    PreparedStatement statement = statements.get(sql);
    if (statement == null) {
      statement = connection.prepareStatement(sql);
      statements.put(sql, statement);
    }
    return statement;
  }

  /** The statement to add a batch row to, flushing another statement queued on the target. */
  private PreparedStatement queue(String target, String sql) throws SQLException {
    PreparedStatement statement = prepare(sql);
    PreparedStatement queued = pending.get(target);
    if (queued != statement) {
      if (queued != null) {
        executeBatch(queued);
      }
      pending.put(target, statement);
    }
    return statement;
  }

  private void flush() throws SQLException {
    for (PreparedStatement statement : pending.values()) {
      executeBatch(statement);
    }
    pending.clear();
  }

  /**
   * pgjdbc (42.7) throws an {@link AssertionError} ("getAutoCommit() should not throw") from {@code
   * executeBatch} when the session dies under a running batch (a killed backend, a cut connection).
   * That is a lost connection, so it becomes the SQLException of one (SQLState 08006): the write
   * fails retriably and the connection is discarded, instead of the error escaping as a server bug.
   */
  private void executeBatch(PreparedStatement statement) throws SQLException {
    try {
      statement.executeBatch();
    } catch (AssertionError e) {
      // (a pooled connection's isClosed() says whether the pool handle is closed, not the
      // session: ask the session itself)
      if (connection.isValid(1)) {
        throw e;
      }
      throw new SQLException(
          "the database connection was lost during a batch: " + e.getMessage(), "08006", e);
    }
  }
}
