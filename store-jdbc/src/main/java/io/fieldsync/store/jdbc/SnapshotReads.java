package io.fieldsync.store.jdbc;

import io.fieldsync.schema.Column;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.store.PullPage;
import io.fieldsync.store.StoredRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The engine's reads of sync data, each in one snapshot transaction: pull pages, records by id,
 * scans of live rows, the tenant's sequence, batch outcomes and device batch numbers. Callers have
 * checked the tenant. Thread-safe.
 */
final class SnapshotReads {
  private final JdbcTransactions transactions;
  private final Dialect dialect;
  private final RecordRows recordRows;

  SnapshotReads(JdbcTransactions transactions, RecordRows recordRows) {
    this.transactions = transactions;
    this.dialect = transactions.dialect();
    this.recordRows = recordRows;
  }

  /** A page of the tenant's changes above {@code cursor}; the caller has checked {@code limit}. */
  PullPage pull(Schema schema, String tenant, long cursor, int limit) {
    return transactions.read(
        "pulling for tenant '" + tenant + "'",
        connection -> {
          // The page is the `limit` lowest sequences above the cursor: find the highest of them
          // from the index alone, then read each table's records of that range in one pass that
          // joins their rows, instead of reading the metadata first and the rows by id lists.
          long highest =
              new Queries(connection)
                  .queryLong(
                      "SELECT max(seq) FROM (SELECT seq FROM _fs_records"
                          + " WHERE tenant = ? AND seq > ? ORDER BY seq LIMIT ?) AS page",
                      tenant,
                      cursor,
                      limit);
          List<StoredRecord> records = new ArrayList<>();
          if (highest > cursor) {
            for (Table table : schema.tables().values()) {
              readRange(connection, tenant, table, cursor, highest, records);
            }
            // Tables not in the schema are not read: nothing a device could apply.
            records.sort(Comparator.comparingLong(StoredRecord::seq));
          }
          return new PullPage(records, readSequence(connection, tenant));
        });
  }

  /** Adds the records of {@code table} with sequences in {@code (after, through]}. */
  private void readRange(
      Connection connection,
      String tenant,
      Table table,
      long after,
      long through,
      List<StoredRecord> sink)
      throws SQLException {
    List<Column> columns = table.dataColumns();
    StringBuilder sql =
        recordRows
            .joinedSelect(table, columns)
            .append(
                " WHERE r.tenant = ? AND r.seq > ? AND r.seq <= ? AND r.tbl = ? ORDER BY r.seq");
    RecordRows.Layout layout = RecordRows.Layout.of(table, columns);
    try (PreparedStatement statement = connection.prepareStatement(sql.toString())) {
      Queries.bind(statement, tenant, after, through, table.name());
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          sink.add(recordRows.read(rows, table, layout));
        }
      }
    }
  }

  long currentSequence(String tenant) {
    return transactions.read(
        "reading the sequence of tenant '" + tenant + "'", c -> readSequence(c, tenant));
  }

  Optional<byte[]> batchOutcome(String tenant, String device, String batchId) {
    return transactions.read(
        "reading batch '" + batchId + "'",
        connection -> readBatchOutcome(connection, tenant, device, batchId));
  }

  long lastDeviceBatch(String tenant, String device) {
    return transactions.read(
        "reading the last batch of device '" + device + "'",
        connection ->
            new Queries(connection)
                .queryLong(
                    "SELECT coalesce(max(last_batch), 0) FROM _fs_devices"
                        + " WHERE tenant = ? AND device = ?",
                    tenant,
                    device));
  }

  List<String> tenants() {
    return transactions.read(
        "listing the tenants",
        connection ->
            new Queries(connection)
                .queryList(
                    "SELECT DISTINCT tenant FROM _fs_records ORDER BY tenant",
                    rows -> rows.getString(1)));
  }

  List<String> liveIds(String tenant, String table, String afterId, int limit) {
    return transactions.read(
        "listing records of '" + table + "' of tenant '" + tenant + "'",
        connection ->
            new Queries(connection)
                .queryList(
                    "SELECT rid FROM _fs_records WHERE tenant = ? AND tbl = ? AND deleted = 0"
                        + " AND rid > ? ORDER BY rid LIMIT ?",
                    rows -> rows.getString(1),
                    tenant,
                    table,
                    afterId == null ? "" : afterId,
                    limit));
  }

  Map<String, StoredRecord> records(
      Schema schema, String tenant, String tableName, Collection<String> ids) {
    Table table = tableOf(schema, tableName);
    return transactions.read(
        "loading " + ids.size() + " records of '" + tableName + "'",
        connection -> recordRows.load(connection, null, tenant, table, ids));
  }

  void scanLive(Schema schema, String tenant, String tableName, Consumer<StoredRecord> sink) {
    Table table = tableOf(schema, tableName);
    if (table.scopeVia() != null) {
      scanLiveWithVersions(tenant, table, sink);
      return;
    }
    Column key = table.primaryKey();
    List<Column> columns = table.dataColumns();
    StringBuilder sql = new StringBuilder("SELECT ").append(dialect.quote(key.name()));
    for (Column column : columns) {
      sql.append(", ").append(dialect.quote(column.name()));
    }
    sql.append(" FROM ").append(dialect.quote(table.name())).append(" WHERE _tenant = ?");
    transactions.read(
        "scanning '" + tableName + "' of tenant '" + tenant + "'",
        connection -> {
          try (PreparedStatement statement = connection.prepareStatement(sql.toString())) {
            statement.setFetchSize(1000);
            statement.setString(1, tenant);
            try (ResultSet rows = statement.executeQuery()) {
              while (rows.next()) {
                Object id = dialect.read(rows, 1, key.type());
                Map<String, Object> values = new LinkedHashMap<>();
                values.put(key.name(), id);
                for (int i = 0; i < columns.size(); i++) {
                  values.put(
                      columns.get(i).name(), dialect.read(rows, 2 + i, columns.get(i).type()));
                }
                sink.accept(
                    new StoredRecord(table.name(), String.valueOf(id), 0, false, values, null));
              }
            }
          }
          return null;
        });
  }

  /**
   * The live records of a table scoped through a parent, with their versions: they hold the scope
   * each record inherits, which decides whose checksums it counts in.
   */
  private void scanLiveWithVersions(String tenant, Table table, Consumer<StoredRecord> sink) {
    List<Column> columns = table.dataColumns();
    String sql =
        recordRows
            .joinedSelect(table, columns)
            .append(" WHERE r.tenant = ? AND r.tbl = ? AND r.deleted = 0")
            .toString();
    RecordRows.Layout layout = RecordRows.Layout.of(table, columns);
    transactions.read(
        "scanning '" + table.name() + "' of tenant '" + tenant + "'",
        connection -> {
          try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setFetchSize(1000);
            Queries.bind(statement, tenant, table.name());
            try (ResultSet rows = statement.executeQuery()) {
              while (rows.next()) {
                sink.accept(recordRows.read(rows, table, layout));
              }
            }
          }
          return null;
        });
  }

  private static Table tableOf(Schema schema, String tableName) {
    Table table = schema.table(tableName);
    if (table == null) {
      throw new IllegalArgumentException("no table '" + tableName + "' in the schema");
    }
    return table;
  }

  /** The tenant's committed sequence as {@code connection}'s transaction sees it. */
  static long readSequence(Connection connection, String tenant) throws SQLException {
    return new Queries(connection)
        .queryLong("SELECT value FROM _fs_sequence WHERE tenant = ?", tenant);
  }

  static Optional<byte[]> readBatchOutcome(
      Connection connection, String tenant, String device, String batchId) throws SQLException {
    return new Queries(connection)
            .queryList(
                "SELECT outcome FROM _fs_batches WHERE tenant = ? AND device = ? AND batch_id = ?",
                row -> row.getBytes(1),
                tenant,
                device,
                batchId)
            .stream()
            .findFirst();
  }
}
