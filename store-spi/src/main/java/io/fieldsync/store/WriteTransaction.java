package io.fieldsync.store;

import io.fieldsync.wire.SentFields;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One open write transaction of one tenant. Valid only inside the {@link WriteWork} it was given
 * to; not thread-safe.
 */
public interface WriteTransaction {

  String tenant();

  /** The next number of the tenant's sequence; gaps never appear in committed sequences. */
  long nextSequence();

  /**
   * The tenant's highest sequence as this transaction sees it: the last committed one, or the last
   * one this transaction allocated.
   */
  long sequence();

  /** The recorded outcome of an earlier delivery of a batch, read inside this transaction. */
  Optional<byte[]> batchOutcome(String device, String batchId);

  /**
   * The stored records (live or tombstoned) of a table with the given ids; ids the store has never
   * seen are absent from the map.
   */
  Map<String, StoredRecord> load(String table, Collection<String> ids);

  /**
   * Writes a record: a live record upserts the user table row; a deleted one removes it and keeps a
   * tombstone (with the last values) in the metadata.
   */
  void save(StoredRecord record);

  /**
   * Ids of the live records of {@code table} whose {@code column} holds {@code parentId}: the
   * children a delete of that parent would leave behind. Sees what this transaction has saved.
   */
  List<String> liveChildren(String table, String column, Object parentId);

  /**
   * Ids of the live records of {@code table} whose {@code column} holds any of {@code parentIds},
   * each once: the children of many parents in a few queries. Sees what this transaction has saved.
   */
  default List<String> liveChildren(String table, String column, Collection<?> parentIds) {
    Set<String> ids = new LinkedHashSet<>();
    for (Object parentId : parentIds) {
      ids.addAll(liveChildren(table, column, parentId));
    }
    return List.copyOf(ids);
  }

  void journal(JournalEntry entry);

  /**
   * Journals {@code entry}, whose fields are null, with the fields the device sent given {@link
   * SentFields#encode encoded}: a store may keep them so, and its journal reads give them as the
   * JSON {@link SentFields#json(byte[])} renders. This default renders them now.
   *
   * @throws IllegalArgumentException when the entry has fields of its own
   */
  default void journal(JournalEntry entry, byte[] sentFields) {
    journal(JournalEntry.withFields(entry, SentFields.json(sentFields)));
  }

  void recordBatch(String device, String batchId, byte[] outcome);

  /** Adds an item to the review queue and returns its id. */
  long park(ReviewItem item);

  /** Marks an open review item resolved; false when it was not open. */
  boolean resolveReview(long id, String resolution, long resolvedAtMillis);

  /**
   * Raises the device's highest committed batch number to {@code number} (never lowers it), in this
   * transaction; {@link RecoveryStore#lastDeviceBatch} reads it.
   */
  void recordDeviceBatch(String device, long number);

  /**
   * The value of a setting ({@link SettingStore}) as this transaction sees it, or null when none is
   * stored: a component that keeps its own position next to the data it writes reads it here.
   */
  String setting(String key);

  /**
   * Stores {@code value} under {@code key}, replacing any value, as part of this transaction: it
   * commits with the transaction's other writes or not at all. A null value removes the setting.
   */
  void putSetting(String key, String value);
}
