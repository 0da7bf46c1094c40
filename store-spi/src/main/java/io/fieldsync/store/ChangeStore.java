package io.fieldsync.store;

import io.fieldsync.schema.Schema;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/**
 * The sync data of every tenant: the tables of the schema, the records' metadata and the tenant's
 * sequence. Pushes write through {@link #write}, pulls read pages through {@link #pull}.
 *
 * <p>Thread-safe. A pull never sees sequence {@code n + 1} before {@code n} is visible.
 */
public interface ChangeStore {

  /**
   * Creates the metadata tables and the user tables of the schema, or migrates them additively (new
   * tables, new nullable columns) without losing data.
   *
   * @throws io.fieldsync.ConfigException when the stored tables cannot be migrated to the schema
   */
  void migrate(Schema schema);

  /**
   * {@link #migrate(Schema)}, then {@code then} (work on the migrated data, such as bringing stored
   * records in line with the schema), both while holding what keeps the other server nodes of the
   * database from migrating at the same time: a node that starts meanwhile migrates, and runs its
   * own {@code then}, after this one's has returned. On a backend with one node per database, the
   * two in turn.
   *
   * @throws io.fieldsync.ConfigException when the stored tables cannot be migrated to the schema
   */
  default void migrate(Schema schema, Runnable then) {
    migrate(schema);
    then.run();
  }

  /**
   * Runs {@code work} in one write transaction for the tenant: everything it wrote commits when it
   * returns and nothing does when it throws. Sequences it allocates become visible to pulls in
   * order.
   *
   * @throws io.fieldsync.StorageException when the database fails (retriable)
   */
  <T> T write(String tenant, WriteWork<T> work);

  /**
   * Up to {@code limit} records of the tenant whose latest change has a sequence above {@code
   * cursor}, ascending by sequence, with all their values and field versions, read in one
   * consistent snapshot.
   */
  PullPage pull(String tenant, long cursor, int limit);

  /** The tenant's highest committed sequence (0 before any change). */
  long currentSequence(String tenant);

  /** The recorded outcome of an earlier delivery of a batch, if there was one. */
  Optional<byte[]> batchOutcome(String tenant, String device, String batchId);

  /**
   * The stored records (live or tombstoned) of a table with the given ids, read in one consistent
   * snapshot; ids the store has never seen, or whose tombstone was purged, are absent.
   */
  Map<String, StoredRecord> records(String tenant, String table, Collection<String> ids);

  /**
   * Calls {@code listener} after every commit that allocated sequences for any tenant: on SQLite
   * for this store's own commits, on PostgreSQL for commits of every node on the database ({@code
   * LISTEN/NOTIFY}).
   *
   * @return a registration that stops the notifications when closed
   * @throws io.fieldsync.StorageException when the backend cannot start listening (PostgreSQL: the
   *     LISTEN connection cannot be opened)
   */
  CommitListener.Registration onCommit(CommitListener listener);
}
