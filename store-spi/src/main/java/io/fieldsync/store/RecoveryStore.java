package io.fieldsync.store;

import java.util.List;
import java.util.function.Consumer;

/**
 * What lets the server keep its metadata bounded and tell a device it must resync: tombstone purge
 * and its horizon, each device's highest committed batch (a database restored from an older backup
 * has a lower one than the device remembers), and scans for verification checksums. Thread-safe.
 */
public interface RecoveryStore {

  /**
   * Removes the tombstones of every tenant that were committed at least {@code horizonMillis}
   * before {@code nowMillis}, and remembers per tenant the highest sequence of a removed tombstone
   * ({@link #purgedThrough}). Commit times are known to the granularity of purge runs: each run
   * records a mark (tenant, sequence, time), and a later run removes the tombstones up to the
   * newest mark at least the horizon old. A tenant's tombstones above its hold ({@link
   * #tombstoneHoldKey}) stay whatever their age. Safe to run on several nodes at once.
   *
   * @return the number of tombstones removed
   * @throws io.fieldsync.StorageException when the database fails (retriable)
   */
  long purgeTombstones(long nowMillis, long horizonMillis);

  /**
   * The setting ({@link WriteTransaction#putSetting}) whose value, a decimal sequence, keeps the
   * tenant's tombstones above that sequence from every purge: a server's uplink sets it to the
   * position its upstream acknowledged, so a delete is never purged before it went up.
   */
  static String tombstoneHoldKey(String tenant) {
    return "tombstone-hold/" + tenant;
  }

  /**
   * The highest sequence of a tombstone {@link #purgeTombstones} removed from the tenant, 0 when
   * none was: a device whose cursor is below it may have missed a delete and must resync.
   */
  long purgedThrough(String tenant);

  /**
   * The highest {@code device_batch} number committed for the device ({@link
   * WriteTransaction#recordDeviceBatch}), 0 when none was.
   */
  long lastDeviceBatch(String tenant, String device);

  /**
   * Streams every live record of one table of the tenant to {@code sink}, in one consistent
   * snapshot, values only ({@link StoredRecord#seq()} 0, no versions), except for a table scoped
   * through a parent ({@code Table.scopeVia}), whose records come as {@link ChangeStore#records}
   * reads them: their versions hold the scope each inherits. Used to compute verification
   * checksums; the sink must not call back into the store.
   */
  void scanLive(String tenant, String table, Consumer<StoredRecord> sink);

  /**
   * Every tenant the store holds records of (live or tombstoned), in ascending order: the tenants a
   * start-up job that walks all stored data has to visit.
   *
   * @throws io.fieldsync.StorageException when the database fails (retriable)
   */
  List<String> tenants();

  /**
   * Ids of up to {@code limit} live records of one table of the tenant, in ascending id order,
   * those after {@code afterId} (null for the first page): a walk over a large table in bounded
   * pages.
   *
   * @throws io.fieldsync.StorageException when the database fails (retriable)
   */
  List<String> liveIds(String tenant, String table, String afterId, int limit);
}
