package io.fieldsync.multinode;

import io.fieldsync.schema.Schema;
import io.fieldsync.store.CommitListener;
import io.fieldsync.store.DeviceActivity;
import io.fieldsync.store.JournalEntry;
import io.fieldsync.store.PullPage;
import io.fieldsync.store.ReviewItem;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.TrafficMinute;
import io.fieldsync.store.WriteTransaction;
import io.fieldsync.store.WriteWork;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A store that forwards everything to a real one, and when armed runs a fault (killing the node's
 * database session) inside the next write transaction after it has saved a number of records, then
 * lets the transaction carry on into the dead session, like a node whose connection died mid-batch.
 */
final class FaultyStore implements SyncStore {
  private final SyncStore store;
  private final AtomicInteger savesBeforeFault = new AtomicInteger(-1);
  private volatile Runnable fault;
  final AtomicInteger faults = new AtomicInteger();

  FaultyStore(SyncStore store) {
    this.store = store;
  }

  /** Runs {@code fault} in the next write after it has saved {@code saves} records. */
  void arm(int saves, Runnable fault) {
    this.fault = fault;
    savesBeforeFault.set(saves);
  }

  @Override
  public String name() {
    return store.name();
  }

  @Override
  public void migrate(Schema schema) {
    store.migrate(schema);
  }

  @Override
  public void migrate(Schema schema, Runnable then) {
    store.migrate(schema, then);
  }

  @Override
  public <T> T write(String tenant, WriteWork<T> work) {
    return store.write(tenant, transaction -> work.run(new Faulty(transaction)));
  }

  @Override
  public PullPage pull(String tenant, long cursor, int limit) {
    return store.pull(tenant, cursor, limit);
  }

  @Override
  public long currentSequence(String tenant) {
    return store.currentSequence(tenant);
  }

  @Override
  public Optional<byte[]> batchOutcome(String tenant, String device, String batchId) {
    return store.batchOutcome(tenant, device, batchId);
  }

  @Override
  public List<ReviewItem> reviewItems(String tenant, boolean all) {
    return store.reviewItems(tenant, all);
  }

  @Override
  public Optional<ReviewItem> reviewItem(String tenant, long id) {
    return store.reviewItem(tenant, id);
  }

  @Override
  public Map<String, StoredRecord> records(String tenant, String table, Collection<String> ids) {
    return store.records(tenant, table, ids);
  }

  @Override
  public CommitListener.Registration onCommit(CommitListener listener) {
    return store.onCommit(listener);
  }

  @Override
  public void revokeDevice(String tenant, String device, long issuedUpToSeconds) {
    store.revokeDevice(tenant, device, issuedUpToSeconds);
  }

  @Override
  public Map<String, Long> revokedDevices(String tenant) {
    return store.revokedDevices(tenant);
  }

  @Override
  public void saveActivity(List<DeviceActivity> devices, List<TrafficMinute> minutes) {
    store.saveActivity(devices, minutes);
  }

  @Override
  public List<DeviceActivity> devices(String tenant) {
    return store.devices(tenant);
  }

  @Override
  public List<JournalEntry> recordHistory(String tenant, String table, String recordId, int limit) {
    return store.recordHistory(tenant, table, recordId, limit);
  }

  @Override
  public List<JournalEntry> recentDecisions(String tenant, int limit) {
    return store.recentDecisions(tenant, limit);
  }

  @Override
  public List<TrafficMinute> traffic(String tenant, long sinceMinute) {
    return store.traffic(tenant, sinceMinute);
  }

  @Override
  public String setting(String key) {
    return store.setting(key);
  }

  @Override
  public Map<String, String> settings(Collection<String> keys) {
    return store.settings(keys);
  }

  @Override
  public String settingIfAbsent(String key, String value) {
    return store.settingIfAbsent(key, value);
  }

  @Override
  public String replaceSetting(String key, String expected, String value) {
    return store.replaceSetting(key, expected, value);
  }

  @Override
  public long purgeTombstones(long nowMillis, long horizonMillis) {
    return store.purgeTombstones(nowMillis, horizonMillis);
  }

  @Override
  public long purgedThrough(String tenant) {
    return store.purgedThrough(tenant);
  }

  @Override
  public long lastDeviceBatch(String tenant, String device) {
    return store.lastDeviceBatch(tenant, device);
  }

  @Override
  public List<String> tenants() {
    return store.tenants();
  }

  @Override
  public List<String> liveIds(String tenant, String table, String afterId, int limit) {
    return store.liveIds(tenant, table, afterId, limit);
  }

  @Override
  public void scanLive(String tenant, String table, Consumer<StoredRecord> sink) {
    store.scanLive(tenant, table, sink);
  }

  @Override
  public void close() {
    store.close();
  }

  private final class Faulty implements WriteTransaction {
    private final WriteTransaction transaction;

    Faulty(WriteTransaction transaction) {
      this.transaction = transaction;
    }

    @Override
    public String tenant() {
      return transaction.tenant();
    }

    @Override
    public long nextSequence() {
      return transaction.nextSequence();
    }

    @Override
    public long sequence() {
      return transaction.sequence();
    }

    @Override
    public Optional<byte[]> batchOutcome(String device, String batchId) {
      return transaction.batchOutcome(device, batchId);
    }

    @Override
    public Map<String, StoredRecord> load(String table, Collection<String> ids) {
      return transaction.load(table, ids);
    }

    @Override
    public void save(StoredRecord record) {
      transaction.save(record);
      if (savesBeforeFault.get() > 0 && savesBeforeFault.decrementAndGet() == 0) {
        faults.incrementAndGet();
        fault.run();
      }
    }

    @Override
    public List<String> liveChildren(String table, String column, Object parentId) {
      return transaction.liveChildren(table, column, parentId);
    }

    @Override
    public List<String> liveChildren(String table, String column, Collection<?> parentIds) {
      return transaction.liveChildren(table, column, parentIds);
    }

    @Override
    public void journal(JournalEntry entry) {
      transaction.journal(entry);
    }

    @Override
    public void journal(JournalEntry entry, byte[] sentFields) {
      transaction.journal(entry, sentFields);
    }

    @Override
    public String setting(String key) {
      return transaction.setting(key);
    }

    @Override
    public void putSetting(String key, String value) {
      transaction.putSetting(key, value);
    }

    @Override
    public void recordBatch(String device, String batchId, byte[] outcome) {
      transaction.recordBatch(device, batchId, outcome);
    }

    @Override
    public long park(ReviewItem item) {
      return transaction.park(item);
    }

    @Override
    public boolean resolveReview(long id, String resolution, long resolvedAtMillis) {
      return transaction.resolveReview(id, resolution, resolvedAtMillis);
    }

    @Override
    public void recordDeviceBatch(String device, long number) {
      transaction.recordDeviceBatch(device, number);
    }
  }
}
