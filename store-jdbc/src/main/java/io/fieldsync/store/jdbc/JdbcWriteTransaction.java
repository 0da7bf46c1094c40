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
import io.fieldsync.wire.VersionsEncoding;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One write transaction over JDBC, on a connection whose transaction has begun and whose tenant's
 * sequence row is locked ({@link JdbcSyncStore#write}). Writes are queued as JDBC batches on the
 * connection's {@link StatementBatches} and flushed before any read and at commit. Not thread-safe.
 */
final class JdbcWriteTransaction implements WriteTransaction {
  private static final String RECORDS_TARGET = "_fs_records";

  private final JdbcTransactions transactions;
  private final Dialect dialect;
  private final RecordRows recordRows;
  private final Connection connection;
  private final StatementBatches batches;
  private final Schema schema;
  private final String tenant;
  private final long committedSequence;
  private long sequence;
  private final Map<String, TableWrites> tableWrites = new HashMap<>();

  private final String recordsUpsert;
  private final String journalInsert =
      "INSERT INTO _fs_journal (tenant, seq, tbl, rid, op, fields, sent_fields, hlc, device,"
          + " batch_id, outcome, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  private final String batchInsert =
      "INSERT INTO _fs_batches (tenant, device, batch_id, outcome) VALUES (?, ?, ?, ?)";

  JdbcWriteTransaction(
      JdbcTransactions transactions,
      RecordRows recordRows,
      StatementBatches batches,
      Schema schema,
      String tenant,
      long sequence) {
    this.transactions = transactions;
    this.dialect = transactions.dialect();
    this.recordRows = recordRows;
    this.connection = batches.connection();
    this.batches = batches;
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
      batches.flush();
      return SnapshotReads.readBatchOutcome(connection, tenant, device, batchId);
    } catch (SQLException e) {
      throw transactions.failure("reading batch '" + batchId + "'", e);
    }
  }

  @Override
  public Map<String, StoredRecord> load(String tableName, Collection<String> ids) {
    Table table = schema.requireTable(tableName);
    if (ids.isEmpty()) {
      return Map.of();
    }
    try {
      batches.flush();
      return recordRows.load(connection, batches::prepare, tenant, table, ids);
    } catch (SQLException e) {
      throw transactions.failure("loading " + ids.size() + " records of '" + tableName + "'", e);
    }
  }

  @Override
  public void save(StoredRecord record) {
    Table table = schema.requireTable(record.table());
    TableWrites writes = tableWrites.computeIfAbsent(table.name(), unused -> writes(table));
    try {
      if (record.deleted()) {
        PreparedStatement delete = batches.queue(table.name(), writes.delete());
        delete.setString(1, tenant);
        ColumnType keyType = table.primaryKey().type();
        dialect.bind(delete, 2, keyType, keyType.coerce(record.id()));
        delete.addBatch();
      } else {
        PreparedStatement upsert = batches.queue(table.name(), writes.upsert());
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
      PreparedStatement meta = batches.queue(RECORDS_TARGET, recordsUpsert);
      meta.setString(1, tenant);
      meta.setString(2, table.name());
      meta.setString(3, record.id());
      meta.setLong(4, record.seq());
      meta.setInt(5, record.deleted() ? 1 : 0);
      byte[] versions = record.encodedVersions();
      meta.setBytes(6, versions != null ? versions : VersionsEncoding.encode(record.versions()));
      meta.setBytes(7, record.deleted() ? RecordRows.encodeTombstone(record.values()) : null);
      meta.addBatch();
    } catch (SQLException e) {
      throw transactions.failure("saving " + table.name() + " record '" + record.id() + "'", e);
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
    return liveChildren(tableName, columnName, List.of(parentId));
  }

  /**
   * One query per {@value RecordRows#IN_CHUNK} parents, with {@link RecordRows#slots} placeholders
   * each (the spare ones repeat the last parent), so the statement cache holds a few shapes.
   */
  @Override
  public List<String> liveChildren(String tableName, String columnName, Collection<?> parentIds) {
    Table table = schema.requireTable(tableName);
    Column column = table.column(columnName);
    if (column == null) {
      throw new IllegalArgumentException(
          "table '" + tableName + "' has no column '" + columnName + "'");
    }
    Column key = table.primaryKey();
    List<?> parents = List.copyOf(new LinkedHashSet<>(parentIds));
    List<String> ids = new ArrayList<>();
    try {
      batches.flush();
      for (int start = 0; start < parents.size(); start += RecordRows.IN_CHUNK) {
        List<?> chunk =
            parents.subList(start, Math.min(parents.size(), start + RecordRows.IN_CHUNK));
        int slots = RecordRows.slots(chunk.size());
        StringBuilder sql =
            new StringBuilder("SELECT ")
                .append(dialect.quote(key.name()))
                .append(" FROM ")
                .append(dialect.quote(table.name()))
                .append(" WHERE _tenant = ? AND ")
                .append(dialect.quote(column.name()))
                .append(" IN (");
        for (int i = 0; i < slots; i++) {
          sql.append(i == 0 ? "?" : ", ?");
        }
        PreparedStatement select = batches.prepare(sql.append(')').toString());
        select.setString(1, tenant);
        for (int i = 0; i < slots; i++) {
          Object parent = chunk.get(Math.min(i, chunk.size() - 1));
          dialect.bind(select, 2 + i, column.type(), column.type().coerce(parent));
        }
        try (ResultSet rows = select.executeQuery()) {
          while (rows.next()) {
            ids.add(String.valueOf(key.type().coerce(rows.getString(1))));
          }
        }
      }
      return ids;
    } catch (SQLException e) {
      throw transactions.failure(
          "listing the records of '" + tableName + "' whose '" + columnName + "' is the parent", e);
    }
  }

  @Override
  public void journal(JournalEntry entry) {
    journal(entry, entry.fields(), null);
  }

  @Override
  public void journal(JournalEntry entry, byte[] sentFields) {
    entry.requireNoFields();
    journal(entry, null, sentFields);
  }

  private void journal(JournalEntry entry, String fields, byte[] sentFields) {
    try {
      PreparedStatement insert = batches.queue("_fs_journal", journalInsert);
      insert.setString(1, tenant);
      insert.setLong(2, entry.seq());
      insert.setString(3, entry.table());
      insert.setString(4, entry.recordId());
      insert.setString(5, entry.op());
      insert.setString(6, fields);
      insert.setBytes(7, sentFields);
      insert.setLong(8, entry.hlc());
      insert.setString(9, entry.device());
      insert.setString(10, entry.batchId());
      insert.setString(11, entry.outcome());
      insert.setString(12, entry.reason());
      insert.addBatch();
    } catch (SQLException e) {
      throw transactions.failure("journaling a change of '" + entry.table() + "'", e);
    }
  }

  @Override
  public void recordDeviceBatch(String device, long number) {
    try {
      PreparedStatement raise =
          batches.prepare(
              "INSERT INTO _fs_devices (tenant, device, last_batch) VALUES (?, ?, ?)"
                  + " ON CONFLICT (tenant, device) DO UPDATE SET last_batch = excluded.last_batch"
                  + " WHERE _fs_devices.last_batch < excluded.last_batch");
      raise.setString(1, tenant);
      raise.setString(2, device);
      raise.setLong(3, number);
      raise.executeUpdate();
    } catch (SQLException e) {
      throw transactions.failure("recording the batch number of device '" + device + "'", e);
    }
  }

  @Override
  public void recordBatch(String device, String batchId, byte[] outcome) {
    try {
      PreparedStatement insert = batches.queue("_fs_batches", batchInsert);
      insert.setString(1, tenant);
      insert.setString(2, device);
      insert.setString(3, batchId);
      insert.setBytes(4, outcome);
      insert.addBatch();
    } catch (SQLException e) {
      throw transactions.failure("recording batch '" + batchId + "'", e);
    }
  }

  @Override
  public long park(ReviewItem item) {
    try {
      batches.flush();
      PreparedStatement insert = batches.prepare(ReviewRows.INSERT);
      ReviewRows.bindInsert(insert, tenant, item);
      try (ResultSet keys = insert.executeQuery()) {
        if (!keys.next()) {
          throw new StorageException("the database returned no id for a parked review item");
        }
        return keys.getLong(1);
      }
    } catch (SQLException e) {
      throw transactions.failure("parking a review item of '" + item.table() + "'", e);
    }
  }

  @Override
  public boolean resolveReview(long id, String resolution, long resolvedAtMillis) {
    try {
      batches.flush();
      PreparedStatement update =
          batches.prepare(
              "UPDATE _fs_review SET status = 'resolved', resolution = ?, resolved_at = ?"
                  + " WHERE tenant = ? AND id = ? AND status = 'open'");
      update.setString(1, resolution);
      update.setLong(2, resolvedAtMillis);
      update.setString(3, tenant);
      update.setLong(4, id);
      return update.executeUpdate() == 1;
    } catch (SQLException e) {
      throw transactions.failure("resolving review item " + id, e);
    }
  }

  /** Flushes queued writes and stores the sequence; called just before commit. */
  void finish() throws SQLException {
    batches.flush();
    if (sequence != committedSequence) {
      PreparedStatement update =
          batches.prepare("UPDATE _fs_sequence SET value = ? WHERE tenant = ?");
      update.setLong(1, sequence);
      update.setString(2, tenant);
      update.executeUpdate();
    }
  }

  @Override
  public String setting(String key) {
    StoreSettings.requireKey(key);
    try { // queued writes never touch _fs_settings: no flush needed
      return StoreSettings.first(new Queries(connection), key);
    } catch (SQLException e) {
      throw transactions.failure("reading setting '" + key + "'", e);
    }
  }

  @Override
  public void putSetting(String key, String value) {
    StoreSettings.requireKey(key);
    try {
      Queries queries = new Queries(connection);
      if (value == null) {
        queries.update("DELETE FROM _fs_settings WHERE key = ?", key);
      } else {
        queries.update(
            dialect.upsert("_fs_settings", List.of("key"), List.of("key", "value")), key, value);
      }
    } catch (SQLException e) {
      throw transactions.failure("storing setting '" + key + "'", e);
    }
  }
}
