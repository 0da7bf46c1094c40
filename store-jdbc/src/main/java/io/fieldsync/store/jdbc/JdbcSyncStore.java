package io.fieldsync.store.jdbc;

import io.fieldsync.schema.Schema;
import io.fieldsync.store.CommitListener;
import io.fieldsync.store.DeviceActivity;
import io.fieldsync.store.JournalEntry;
import io.fieldsync.store.PullPage;
import io.fieldsync.store.ReviewItem;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.TrafficMinute;
import io.fieldsync.store.WriteWork;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The sync store over JDBC, shared by every SQL backend: a backend supplies a {@link Dialect} and
 * its connections ({@link #acquireWriter}, {@link #acquireReader}). This class owns the migration
 * and the write path; reads ({@link SnapshotReads}), the review queue ({@link ReviewQueueReads}),
 * tombstone purge ({@link TombstonePurge}) and revocations ({@link DeviceRevocations}) each have a
 * class of their own.
 *
 * <p>Layout: user data lives in one real table per schema table, named as in the schema, with a
 * {@code _tenant} column and primary key ({@code _tenant}, key). Sync metadata lives beside it:
 * {@code _fs_records} (per record: sequence, tombstone flag, field versions, last values of a
 * tombstone), {@code _fs_sequence} (one counter row per tenant), {@code _fs_journal} (a pushed
 * change's sent fields encoded in {@code sent_fields}, or as JSON text in {@code fields}), {@code
 * _fs_batches}, {@code _fs_review}, {@code _fs_settings} ({@link StoreSettings}) and {@code
 * _fs_columns} (the schema the tables were migrated to). Every query is keyed by tenant.
 *
 * <p>Thread-safe: writes go through {@link #acquireWriter}; each write transaction first locks the
 * tenant's sequence row, which serialises the tenant's writers so sequences commit in order.
 */
public abstract class JdbcSyncStore implements SyncStore {
  private final Dialect dialect;
  private final JdbcTransactions transactions;
  private final RecordRows recordRows;
  private final SnapshotReads reads;
  private final ReviewQueueReads reviewQueue;
  private final TombstonePurge purge;
  private final DeviceRevocations revocations;
  private final StoreSettings settings;
  private final AdminRows admin;
  private final CommitListeners commitListeners = new CommitListeners();

  /**
   * Where a backend registers its pool's meters, once: every registry given to {@link #bindMetrics}
   * is added to it and gets them.
   */
  protected final CompositeMeterRegistry poolMeters = new CompositeMeterRegistry();

  private volatile Schema schema;

  /**
   * The prepared statements of the writer connection, kept between transactions when the backend
   * {@link #keepsWriterStatements keeps them}; touched only by the transaction holding the writer.
   */
  private StatementBatches writerStatements;

  protected JdbcSyncStore(Dialect dialect) {
    this.dialect = dialect;
    this.transactions = new JdbcTransactions(this, dialect);
    this.recordRows = new RecordRows(dialect, this::location);
    this.reads = new SnapshotReads(transactions, recordRows);
    this.reviewQueue = new ReviewQueueReads(transactions);
    this.purge = new TombstonePurge(transactions);
    this.revocations = new DeviceRevocations(transactions);
    this.settings = new StoreSettings(transactions);
    this.admin = new AdminRows(transactions);
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

  /**
   * Whether the writer connection outlives its transactions and serves one at a time (SQLite's
   * single writer), so the statements a push prepares are kept for the next one instead of being
   * prepared again. A pooled connection's statements end with its lease.
   */
  protected boolean keepsWriterStatements() {
    return false;
  }

  @Override
  public String name() {
    return dialect.name();
  }

  @Override
  public void ping() {
    transactions.read(
        "answering a ping",
        connection -> {
          try (Statement statement = connection.createStatement()) {
            statement.execute("SELECT 1");
          }
          return null;
        });
  }

  @Override
  public void bindMetrics(MeterRegistry registry) {
    poolMeters.add(registry);
  }

  @Override
  public void unbindMetrics(MeterRegistry registry) {
    poolMeters.remove(registry);
  }

  /** The schema the store was last migrated to. */
  protected final Schema schema() {
    Schema current = schema;
    if (current == null) {
      throw new IllegalStateException("call migrate(schema) before using the store");
    }
    return current;
  }

  @Override
  public void migrate(Schema target) {
    Connection connection = transactions.writer();
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
      throw transactions.failure("migrating the schema", e);
    } finally {
      transactions.releaseWriter(connection, broken);
    }
  }

  @Override
  public <T> T write(String tenant, WriteWork<T> work) {
    requireTenant(tenant);
    Schema current = schema();
    Connection connection = transactions.writer();
    boolean broken = false;
    StatementBatches statements = null;
    try {
      dialect.beginWrite(connection);
      statements = statementsOf(connection);
      try {
        long sequence = dialect.lockSequence(connection, tenant);
        JdbcWriteTransaction transaction =
            new JdbcWriteTransaction(
                transactions, recordRows, statements, current, tenant, sequence);
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
      }
    } catch (SQLException e) {
      throw transactions.failure("writing for tenant '" + tenant + "'", e);
    } finally {
      broken = !release(statements, broken);
      transactions.releaseWriter(connection, broken);
    }
  }

  /** The writer's statements: kept from its last transaction, or new for this one. */
  private StatementBatches statementsOf(Connection connection) {
    if (!keepsWriterStatements()) {
      return new StatementBatches(connection);
    }
    if (writerStatements != null && writerStatements.connection() != connection) {
      writerStatements.close();
      writerStatements = null;
    }
    if (writerStatements == null) {
      writerStatements = new StatementBatches(connection);
    }
    return writerStatements;
  }

  /**
   * Ends a transaction's use of its statements: kept ones drop their unflushed rows, others (and
   * those of a broken connection) close. Returns whether the connection may be used again.
   */
  private boolean release(StatementBatches statements, boolean broken) {
    if (statements == null) {
      return !broken;
    }
    if (statements == writerStatements && !broken) {
      try {
        statements.reset();
        return true;
      } catch (SQLException e) {
        broken = true;
      }
    }
    statements.close();
    if (statements == writerStatements) {
      writerStatements = null;
    }
    return !broken;
  }

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
    commitListeners.committed(tenant, sequence);
  }

  @Override
  public CommitListener.Registration onCommit(CommitListener listener) {
    return commitListeners.register(listener);
  }

  @Override
  public PullPage pull(String tenant, long cursor, int limit) {
    requireTenant(tenant);
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, found " + limit);
    }
    return reads.pull(schema(), tenant, cursor, limit);
  }

  @Override
  public long currentSequence(String tenant) {
    requireTenant(tenant);
    return reads.currentSequence(tenant);
  }

  @Override
  public Optional<byte[]> batchOutcome(String tenant, String device, String batchId) {
    requireTenant(tenant);
    return reads.batchOutcome(tenant, device, batchId);
  }

  @Override
  public Map<String, StoredRecord> records(String tenant, String table, Collection<String> ids) {
    requireTenant(tenant);
    return reads.records(schema(), tenant, table, ids);
  }

  @Override
  public void scanLive(String tenant, String table, Consumer<StoredRecord> sink) {
    requireTenant(tenant);
    reads.scanLive(schema(), tenant, table, sink);
  }

  @Override
  public List<String> tenants() {
    return reads.tenants();
  }

  @Override
  public List<String> liveIds(String tenant, String table, String afterId, int limit) {
    requireTenant(tenant);
    return reads.liveIds(tenant, table, afterId, limit);
  }

  @Override
  public long lastDeviceBatch(String tenant, String device) {
    requireTenant(tenant);
    return reads.lastDeviceBatch(tenant, device);
  }

  @Override
  public List<ReviewItem> reviewItems(String tenant, boolean all) {
    requireTenant(tenant);
    return reviewQueue.reviewItems(tenant, all);
  }

  @Override
  public Optional<ReviewItem> reviewItem(String tenant, long id) {
    requireTenant(tenant);
    return reviewQueue.reviewItem(tenant, id);
  }

  @Override
  public long purgeTombstones(long nowMillis, long horizonMillis) {
    return purge.purgeTombstones(nowMillis, horizonMillis);
  }

  @Override
  public long purgedThrough(String tenant) {
    requireTenant(tenant);
    return purge.purgedThrough(tenant);
  }

  @Override
  public void revokeDevice(String tenant, String device, long issuedUpToSeconds) {
    requireTenant(tenant);
    revocations.revokeDevice(tenant, device, issuedUpToSeconds);
  }

  @Override
  public Map<String, Long> revokedDevices(String tenant) {
    requireTenant(tenant);
    return revocations.revokedDevices(tenant);
  }

  @Override
  public String setting(String key) {
    return settings.setting(key);
  }

  @Override
  public Map<String, String> settings(Collection<String> keys) {
    return settings.settings(keys);
  }

  @Override
  public String settingIfAbsent(String key, String value) {
    return settings.settingIfAbsent(key, value);
  }

  @Override
  public String replaceSetting(String key, String expected, String value) {
    return settings.replaceSetting(key, expected, value);
  }

  @Override
  public void saveActivity(List<DeviceActivity> devices, List<TrafficMinute> minutes) {
    admin.saveActivity(devices, minutes);
  }

  @Override
  public List<DeviceActivity> devices(String tenant) {
    requireTenant(tenant);
    return admin.devices(tenant);
  }

  @Override
  public List<JournalEntry> recordHistory(String tenant, String table, String recordId, int limit) {
    requireTenant(tenant);
    return admin.recordHistory(tenant, table, recordId, limit);
  }

  @Override
  public List<JournalEntry> recentDecisions(String tenant, int limit) {
    requireTenant(tenant);
    return admin.recentDecisions(tenant, limit);
  }

  @Override
  public List<TrafficMinute> traffic(String tenant, long sinceMinute) {
    requireTenant(tenant);
    return admin.traffic(tenant, sinceMinute);
  }

  private static void requireTenant(String tenant) {
    if (tenant == null || tenant.isEmpty()) {
      throw new IllegalArgumentException("tenant must not be empty");
    }
  }
}
