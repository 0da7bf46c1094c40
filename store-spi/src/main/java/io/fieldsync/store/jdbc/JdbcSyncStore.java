package io.fieldsync.store.jdbc;

import com.google.protobuf.InvalidProtocolBufferException;
import io.fieldsync.StorageException;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.store.CommitListener;
import io.fieldsync.store.PullPage;
import io.fieldsync.store.ReviewItem;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.WriteWork;
import io.fieldsync.wire.Field;
import io.fieldsync.wire.Record;
import io.fieldsync.wire.Value;
import io.fieldsync.wire.Values;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sync store over JDBC, shared by every SQL backend: a backend supplies a {@link Dialect} and
 * its connections ({@link #acquireWriter}, {@link #acquireReader}).
 *
 * <p>Layout: user data lives in one real table per schema table, named as in the schema, with a
 * {@code _tenant} column and primary key ({@code _tenant}, key). Sync metadata lives beside it:
 * {@code _fs_records} (per record: sequence, tombstone flag, field versions, last values of a
 * tombstone), {@code _fs_sequence} (one counter row per tenant), {@code _fs_journal}, {@code
 * _fs_batches}, {@code _fs_review} and {@code _fs_columns} (the schema the tables were migrated
 * to). Every query is keyed by tenant.
 *
 * <p>Thread-safe: writes go through {@link #acquireWriter}; each write transaction first locks the
 * tenant's sequence row, which serialises the tenant's writers so sequences commit in order.
 */
public abstract class JdbcSyncStore implements SyncStore {
  static final int IN_CHUNK = 500;
  private static final Logger LOG = LoggerFactory.getLogger(JdbcSyncStore.class);

  private final Dialect dialect;
  private volatile Schema schema;
  private final List<CommitListener> commitListeners = new CopyOnWriteArrayList<>();

  protected JdbcSyncStore(Dialect dialect) {
    this.dialect = dialect;
  }

  /** A connection for one write transaction; may block until one is free. */
  protected abstract Connection acquireWriter() throws SQLException;

  /** Returns a writer; {@code broken} when it failed and should not be reused. */
  protected abstract void releaseWriter(Connection connection, boolean broken);

  /** A connection for one read transaction. */
  protected abstract Connection acquireReader() throws SQLException;

  protected abstract void releaseReader(Connection connection, boolean broken);

  /** Where the store lives, for messages (a file, a database URL without password). */
  protected abstract String location();

  public final Dialect dialect() {
    return dialect;
  }

  @Override
  public String name() {
    return dialect.name();
  }

  /** The schema the store was last migrated to. */
  protected final Schema schema() {
    Schema current = schema;
    if (current == null) {
      throw new IllegalStateException("call migrate(schema) before using the store");
    }
    return current;
  }

  // ---------------------------------------------------------------- migration

  @Override
  public void migrate(Schema target) {
    Connection connection = writer();
    boolean broken = false;
    try {
      dialect.beginWrite(connection);
      try {
        new Migration(dialect, connection, location()).run(target);
        dialect.commit(connection);
      } catch (RuntimeException | SQLException e) {
        dialect.rollback(connection);
        throw e;
      }
      schema = target;
    } catch (SQLException e) {
      broken = true;
      throw failure("migrating the schema", e);
    } finally {
      releaseWriter(connection, broken);
    }
  }

  // ---------------------------------------------------------------- writes

  @Override
  public <T> T write(String tenant, WriteWork<T> work) {
    requireTenant(tenant);
    Schema current = schema();
    Connection connection = writer();
    boolean broken = false;
    try {
      dialect.beginWrite(connection);
      JdbcWriteTransaction transaction = null;
      try {
        long sequence = dialect.lockSequence(connection, tenant);
        transaction = new JdbcWriteTransaction(this, connection, current, tenant, sequence);
        T result = work.run(transaction);
        transaction.finish();
        long committed = transaction.sequence();
        if (committed != sequence) {
          beforeCommit(connection, tenant, committed);
        }
        dialect.commit(connection);
        if (committed != sequence) {
          afterCommit(tenant, committed);
        }
        return result;
      } catch (RuntimeException | SQLException e) {
        try {
          dialect.rollback(connection);
        } catch (SQLException rollback) {
          broken = true;
          e.addSuppressed(rollback);
        }
        throw e;
      } finally {
        if (transaction != null) {
          transaction.close();
        }
      }
    } catch (SQLException e) {
      throw failure("writing for tenant '" + tenant + "'", e);
    } finally {
      releaseWriter(connection, broken);
    }
  }

  // ---------------------------------------------------------------- commit notifications

  /**
   * Runs inside a write transaction that allocated sequences, just before it commits; a backend
   * that announces commits to other nodes does it here so the announcement commits with the data.
   */
  protected void beforeCommit(Connection connection, String tenant, long sequence)
      throws SQLException {}

  /**
   * Runs after a write transaction that allocated sequences has committed. The default tells this
   * store's {@link #onCommit} listeners; a backend whose listeners hear every node's commits from
   * the database instead overrides it to do nothing.
   */
  protected void afterCommit(String tenant, long sequence) {
    notifyCommitted(tenant, sequence);
  }

  /** Tells every registered listener; a listener that throws is logged and skipped. */
  protected final void notifyCommitted(String tenant, long sequence) {
    for (CommitListener listener : commitListeners) {
      try {
        listener.committed(tenant, sequence);
      } catch (RuntimeException e) {
        LOG.warn("commit listener {} failed for tenant '{}'", listener, tenant, e);
      }
    }
  }

  /** Whether any {@link #onCommit} registration is open. */
  protected final boolean hasCommitListeners() {
    return !commitListeners.isEmpty();
  }

  @Override
  public CommitListener.Registration onCommit(CommitListener listener) {
    Objects.requireNonNull(listener, "listener");
    commitListeners.add(listener);
    return () -> commitListeners.remove(listener);
  }

  private Connection writer() {
    try {
      return acquireWriter();
    } catch (SQLException e) {
      throw failure("opening a write connection", e, true);
    }
  }

  // ---------------------------------------------------------------- reads

  /** Work done inside one consistent read transaction. */
  protected interface ReadWork<T> {
    T run(Connection connection) throws SQLException;
  }

  /** Runs {@code work} in one read-only snapshot transaction. */
  protected final <T> T read(String what, ReadWork<T> work) {
    Connection connection;
    try {
      connection = acquireReader();
    } catch (SQLException e) {
      throw failure("opening a read connection", e, true);
    }
    boolean[] broken = {false};
    try {
      return inTransaction(connection, false, what, work, broken);
    } finally {
      releaseReader(connection, broken[0]);
    }
  }

  /**
   * Runs {@code work} between begin and commit on {@code connection}, rolling back when it fails;
   * sets {@code broken[0]} when the connection may no longer be usable.
   */
  private <T> T inTransaction(
      Connection connection, boolean write, String what, ReadWork<T> work, boolean[] broken) {
    try {
      if (write) {
        dialect.beginWrite(connection);
      } else {
        dialect.beginRead(connection);
      }
      try {
        T result = work.run(connection);
        dialect.commit(connection);
        return result;
      } catch (RuntimeException | SQLException e) {
        try {
          dialect.rollback(connection);
        } catch (SQLException rollback) {
          broken[0] = true;
          e.addSuppressed(rollback);
        }
        throw e;
      }
    } catch (SQLException e) {
      broken[0] = true;
      throw failure(what, e);
    }
  }

  @Override
  public PullPage pull(String tenant, long cursor, int limit) {
    requireTenant(tenant);
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, found " + limit);
    }
    Schema current = schema();
    return read(
        "pulling for tenant '" + tenant + "'",
        connection -> {
          // The page is the `limit` lowest sequences above the cursor: find the highest of them
          // from the index alone, then read each table's records of that range in one pass that
          // joins their rows, instead of reading the metadata first and the rows by id lists.
          long highest;
          try (PreparedStatement statement =
              connection.prepareStatement(
                  "SELECT max(seq) FROM (SELECT seq FROM _fs_records"
                      + " WHERE tenant = ? AND seq > ? ORDER BY seq LIMIT ?) AS page")) {
            statement.setString(1, tenant);
            statement.setLong(2, cursor);
            statement.setInt(3, limit);
            try (ResultSet result = statement.executeQuery()) {
              highest = result.next() ? result.getLong(1) : 0L;
            }
          }
          List<StoredRecord> records = new ArrayList<>();
          if (highest > cursor) {
            for (Table table : current.tables().values()) {
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
        joinedSelect(table, columns)
            .append(
                " WHERE r.tenant = ? AND r.seq > ? AND r.seq <= ? AND r.tbl = ? ORDER BY r.seq");
    try (PreparedStatement statement = connection.prepareStatement(sql.toString())) {
      statement.setString(1, tenant);
      statement.setLong(2, after);
      statement.setLong(3, through);
      statement.setString(4, table.name());
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          sink.add(readJoined(rows, table, columns));
        }
      }
    }
  }

  /**
   * One row of {@code SELECT r.rid, r.seq, r.deleted, r.versions, r.tombstone, t.<data columns>}
   * (the user row joined to its metadata) as a stored record.
   */
  private StoredRecord readJoined(ResultSet rows, Table table, List<Column> columns)
      throws SQLException {
    RecordRow row =
        new RecordRow(
            table.name(),
            rows.getString(1),
            rows.getLong(2),
            rows.getInt(3) != 0,
            rows.getBytes(4),
            rows.getBytes(5));
    Map<String, Object> values = new LinkedHashMap<>();
    if (!row.deleted()) {
      values.put(table.primaryKey().name(), table.primaryKey().type().coerce(row.id()));
      for (int i = 0; i < columns.size(); i++) {
        Column column = columns.get(i);
        values.put(column.name(), dialect.read(rows, 6 + i, column.type()));
      }
    }
    return toRecord(table, row, values);
  }

  @Override
  public long currentSequence(String tenant) {
    requireTenant(tenant);
    return read("reading the sequence of tenant '" + tenant + "'", c -> readSequence(c, tenant));
  }

  @Override
  public Optional<byte[]> batchOutcome(String tenant, String device, String batchId) {
    requireTenant(tenant);
    return read(
        "reading batch '" + batchId + "'",
        connection -> readBatchOutcome(connection, tenant, device, batchId));
  }

  @Override
  public List<ReviewItem> reviewItems(String tenant, boolean all) {
    requireTenant(tenant);
    return read(
        "reading the review queue of tenant '" + tenant + "'",
        connection -> {
          String sql =
              ReviewRows.SELECT
                  + " WHERE tenant = ?"
                  + (all ? "" : " AND status = 'open'")
                  + " ORDER BY id";
          try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, tenant);
            return ReviewRows.readAll(statement);
          }
        });
  }

  @Override
  public Optional<ReviewItem> reviewItem(String tenant, long id) {
    requireTenant(tenant);
    return read(
        "reading review item " + id,
        connection -> {
          try (PreparedStatement statement =
              connection.prepareStatement(ReviewRows.SELECT + " WHERE tenant = ? AND id = ?")) {
            statement.setString(1, tenant);
            statement.setLong(2, id);
            return ReviewRows.readAll(statement).stream().findFirst();
          }
        });
  }

  // ---------------------------------------------------------------- recovery

  @Override
  public long purgeTombstones(long nowMillis, long horizonMillis) {
    if (horizonMillis < 0) {
      throw new IllegalArgumentException(
          "horizonMillis must not be negative, found " + horizonMillis);
    }
    List<String> tenants =
        read(
            "listing tenants",
            connection -> {
              List<String> result = new ArrayList<>();
              try (PreparedStatement statement =
                      connection.prepareStatement(
                          "SELECT tenant FROM _fs_sequence ORDER BY tenant");
                  ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                  result.add(rows.getString(1));
                }
              }
              return result;
            });
    long removed = 0;
    for (String tenant : tenants) {
      removed += purgeTenant(tenant, nowMillis, horizonMillis);
    }
    return removed;
  }

  /**
   * One tenant's purge, under the tenant's sequence lock so no writer commits a tombstone between
   * the mark and the delete.
   */
  private long purgeTenant(String tenant, long nowMillis, long horizonMillis) {
    return maintenance(
        "purging tombstones of tenant '" + tenant + "'",
        connection -> {
          long sequence = dialect.lockSequence(connection, tenant);
          if (queryLong(
                  connection,
                  "SELECT count(*) FROM _fs_purge_marks WHERE tenant = ? AND seq = ?",
                  tenant,
                  sequence)
              == 0) {
            update(
                connection,
                "INSERT INTO _fs_purge_marks (tenant, seq, at) VALUES (?, ?, ?)",
                tenant,
                sequence,
                nowMillis);
          }
          long cutoff =
              queryLong(
                  connection,
                  "SELECT coalesce(max(seq), -1) FROM _fs_purge_marks WHERE tenant = ? AND at <= ?",
                  tenant,
                  nowMillis - horizonMillis);
          long removed = 0;
          if (cutoff >= 0) {
            long highest =
                queryLong(
                    connection,
                    "SELECT coalesce(max(seq), 0) FROM _fs_records"
                        + " WHERE tenant = ? AND deleted = 1 AND seq <= ?",
                    tenant,
                    cutoff);
            if (highest > 0) {
              removed =
                  update(
                      connection,
                      "DELETE FROM _fs_records WHERE tenant = ? AND deleted = 1 AND seq <= ?",
                      tenant,
                      cutoff);
              long before =
                  queryLong(
                      connection,
                      "SELECT coalesce(max(seq), 0) FROM _fs_purged WHERE tenant = ?",
                      tenant);
              if (update(
                      connection,
                      "UPDATE _fs_purged SET seq = ? WHERE tenant = ?",
                      Math.max(before, highest),
                      tenant)
                  == 0) {
                update(
                    connection,
                    "INSERT INTO _fs_purged (tenant, seq) VALUES (?, ?)",
                    tenant,
                    highest);
              }
            }
            // Older marks can never be the newest mark past the horizon again.
            update(
                connection,
                "DELETE FROM _fs_purge_marks WHERE tenant = ? AND seq < ?",
                tenant,
                cutoff);
          }
          return removed;
        });
  }

  @Override
  public long purgedThrough(String tenant) {
    requireTenant(tenant);
    return read(
        "reading the purge horizon of tenant '" + tenant + "'",
        connection ->
            queryLong(
                connection,
                "SELECT coalesce(max(seq), 0) FROM _fs_purged WHERE tenant = ?",
                tenant));
  }

  @Override
  public Map<String, StoredRecord> records(
      String tenant, String tableName, Collection<String> ids) {
    requireTenant(tenant);
    Table table = schema().table(tableName);
    if (table == null) {
      throw new IllegalArgumentException("no table '" + tableName + "' in the schema");
    }
    return read(
        "loading " + ids.size() + " records of '" + tableName + "'",
        connection -> loadRecords(connection, null, tenant, table, ids));
  }

  @Override
  public void scanLive(String tenant, String tableName, Consumer<StoredRecord> sink) {
    requireTenant(tenant);
    Table table = schema().table(tableName);
    if (table == null) {
      throw new IllegalArgumentException("no table '" + tableName + "' in the schema");
    }
    Column key = table.primaryKey();
    List<Column> columns = table.dataColumns();
    StringBuilder sql = new StringBuilder("SELECT ").append(dialect.quote(key.name()));
    for (Column column : columns) {
      sql.append(", ").append(dialect.quote(column.name()));
    }
    sql.append(" FROM ").append(dialect.quote(table.name())).append(" WHERE _tenant = ?");
    read(
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

  private static long queryLong(Connection connection, String sql, Object... args)
      throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      bind(statement, args);
      try (ResultSet rows = statement.executeQuery()) {
        return rows.next() ? rows.getLong(1) : 0L;
      }
    }
  }

  private static int update(Connection connection, String sql, Object... args) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      bind(statement, args);
      return statement.executeUpdate();
    }
  }

  private static void bind(PreparedStatement statement, Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      if (args[i] instanceof String text) {
        statement.setString(i + 1, text);
      } else {
        statement.setLong(i + 1, (Long) args[i]);
      }
    }
  }

  @Override
  public long lastDeviceBatch(String tenant, String device) {
    requireTenant(tenant);
    return read(
        "reading the last batch of device '" + device + "'",
        connection ->
            queryLong(
                connection,
                "SELECT coalesce(max(last_batch), 0) FROM _fs_devices WHERE tenant = ? AND device = ?",
                tenant,
                device));
  }

  // ---------------------------------------------------------------- token revocation

  @Override
  public void revokeDevice(String tenant, String device, long issuedUpToSeconds) {
    requireTenant(tenant);
    maintenance(
        "revoking the tokens of device '" + device + "'",
        connection -> {
          // A later revocation never moves the line back: tokens refused stay refused.
          update(
              connection,
              "INSERT INTO _fs_revoked (tenant, device, issued_up_to) VALUES (?, ?, ?)"
                  + " ON CONFLICT (tenant, device) DO UPDATE SET issued_up_to ="
                  + " excluded.issued_up_to WHERE _fs_revoked.issued_up_to < excluded.issued_up_to",
              tenant,
              device,
              issuedUpToSeconds);
          return null;
        });
  }

  @Override
  public Map<String, Long> revokedDevices(String tenant) {
    requireTenant(tenant);
    return read(
        "reading the revoked devices of tenant '" + tenant + "'",
        connection -> {
          Map<String, Long> result = new LinkedHashMap<>();
          try (PreparedStatement statement =
              connection.prepareStatement(
                  "SELECT device, issued_up_to FROM _fs_revoked WHERE tenant = ? ORDER BY device")) {
            statement.setString(1, tenant);
            try (ResultSet rows = statement.executeQuery()) {
              while (rows.next()) {
                result.put(rows.getString(1), rows.getLong(2));
              }
            }
          }
          return result;
        });
  }

  /** Runs {@code work} in one write transaction of its own (maintenance, not a push). */
  private <T> T maintenance(String what, ReadWork<T> work) {
    Connection connection = writer();
    boolean[] broken = {false};
    try {
      return inTransaction(connection, true, what, work, broken);
    } finally {
      releaseWriter(connection, broken[0]);
    }
  }

  // ---------------------------------------------------------------- shared helpers

  static long readSequence(Connection connection, String tenant) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement("SELECT value FROM _fs_sequence WHERE tenant = ?")) {
      statement.setString(1, tenant);
      try (ResultSet result = statement.executeQuery()) {
        return result.next() ? result.getLong(1) : 0L;
      }
    }
  }

  static Optional<byte[]> readBatchOutcome(
      Connection connection, String tenant, String device, String batchId) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT outcome FROM _fs_batches WHERE tenant = ? AND device = ? AND batch_id = ?")) {
      statement.setString(1, tenant);
      statement.setString(2, device);
      statement.setString(3, batchId);
      try (ResultSet result = statement.executeQuery()) {
        return result.next() ? Optional.of(result.getBytes(1)) : Optional.empty();
      }
    }
  }

  /** One row of {@code _fs_records}. */
  record RecordRow(
      String table, String id, long seq, boolean deleted, byte[] versions, byte[] tombstone) {}

  /** Statement source: the transaction's cache, or one-off statements when null. */
  interface Statements {
    PreparedStatement prepare(String sql) throws SQLException;
  }

  /**
   * Loads records of one table by id, live or tombstoned, in chunks of {@value #IN_CHUNK} ids per
   * query.
   */
  final Map<String, StoredRecord> loadRecords(
      Connection connection,
      Statements statements,
      String tenant,
      Table table,
      Collection<String> ids)
      throws SQLException {
    Map<String, StoredRecord> result = new LinkedHashMap<>();
    List<String> unique = new ArrayList<>(new LinkedHashSet<>(ids));
    List<Column> columns = table.dataColumns();
    for (int start = 0; start < unique.size(); start += IN_CHUNK) {
      List<String> chunk = unique.subList(start, Math.min(unique.size(), start + IN_CHUNK));
      String sql = loadSql(table, columns, chunk.size());
      PreparedStatement statement =
          statements == null ? connection.prepareStatement(sql) : statements.prepare(sql);
      try {
        statement.setString(1, tenant);
        statement.setString(2, table.name());
        for (int i = 0; i < chunk.size(); i++) {
          statement.setString(3 + i, chunk.get(i));
        }
        try (ResultSet rows = statement.executeQuery()) {
          while (rows.next()) {
            StoredRecord record = readJoined(rows, table, columns);
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
   * {@code SELECT r.rid, r.seq, r.deleted, r.versions, r.tombstone, t.<columns> FROM _fs_records r
   * LEFT JOIN <table> t ...}: the metadata of the table's records joined to their rows, as {@link
   * #readJoined} reads it; the caller appends the WHERE clause.
   */
  private StringBuilder joinedSelect(Table table, List<Column> columns) {
    StringBuilder sql =
        new StringBuilder("SELECT r.rid, r.seq, r.deleted, r.versions, r.tombstone");
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

  private String loadSql(Table table, List<Column> columns, int idCount) {
    StringBuilder sql =
        joinedSelect(table, columns).append(" WHERE r.tenant = ? AND r.tbl = ? AND r.rid IN (");
    for (int i = 0; i < idCount; i++) {
      sql.append(i == 0 ? "?" : ", ?");
    }
    return sql.append(')').toString();
  }

  private StoredRecord toRecord(Table table, RecordRow row, Map<String, Object> liveValues) {
    Map<String, Object> values = liveValues;
    if (row.deleted()) {
      values = decodeValues(table, row.id(), row.tombstone());
    }
    // Parsed on first use: a pull scans the encoded versions instead (see VersionScan).
    return StoredRecord.encoded(
        table.name(), row.id(), row.seq(), row.deleted(), values, row.versions(), location());
  }

  static byte[] encodeValues(Map<String, Object> values) {
    Record.Builder record = Record.newBuilder();
    for (Map.Entry<String, Object> entry : values.entrySet()) {
      record.addFields(
          Field.newBuilder().setColumn(entry.getKey()).setValue(Values.toWire(entry.getValue())));
    }
    return record.build().toByteArray();
  }

  private Map<String, Object> decodeValues(Table table, String id, byte[] bytes) {
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
          "corrupt tombstone of " + table.name() + " record '" + id + "' in " + location(), e);
    }
    return values;
  }

  static byte[] encodeValue(Object value) {
    return Values.toWire(value).toByteArray();
  }

  static Object decodeValue(byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    try {
      return Values.fromWire(Value.parseFrom(bytes));
    } catch (InvalidProtocolBufferException e) {
      throw new StorageException("corrupt review queue value: " + e.getMessage(), e);
    }
  }

  final StorageException failure(String what, SQLException e) {
    return failure(what, e, dialect.isTransient(e));
  }

  /** A failure to report; retriable when the database was busy or unreachable. */
  final StorageException failure(String what, SQLException e, boolean retriable) {
    String message =
        dialect.name()
            + " store "
            + location()
            + ": failed "
            + what
            + ": "
            + e.getMessage()
            + (e.getSQLState() == null ? "" : " (SQLState " + e.getSQLState() + ")");
    return new StorageException(message, e, retriable);
  }

  private static void requireTenant(String tenant) {
    if (tenant == null || tenant.isEmpty()) {
      throw new IllegalArgumentException("tenant must not be empty");
    }
  }
}
