package io.fieldsync.store;

import io.fieldsync.schema.Schema;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where the server keeps user data and sync metadata. One implementation per backend, found through
 * {@link SyncStoreProvider}. Every method is keyed by tenant; no call ever reads or writes another
 * tenant's rows.
 *
 * <p>Implementations are thread-safe. The visibility promise every backend keeps: a pull never sees
 * sequence {@code n + 1} before {@code n} is visible, so a cursor can never skip a change.
 */
public interface SyncStore extends AutoCloseable {

  /** The backend's name, for logs ({@code sqlite}, {@code postgresql}). */
  String name();

  /**
   * Creates the metadata tables and the user tables of the schema, or migrates them additively (new
   * tables, new nullable columns) without losing data.
   *
   * @throws io.fieldsync.ConfigException when the stored tables cannot be migrated to the schema
   */
  void migrate(Schema schema);

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

  /** Review queue items of the tenant, oldest first; only open ones unless {@code all}. */
  List<ReviewItem> reviewItems(String tenant, boolean all);

  /** One review queue item by id. */
  Optional<ReviewItem> reviewItem(String tenant, long id);

  /**
   * Calls {@code listener} after every commit that allocated sequences for any tenant: on SQLite
   * for this store's own commits, on PostgreSQL for commits of every node on the database ({@code
   * LISTEN/NOTIFY}). Optional capability: a backend that cannot tell throws {@link
   * UnsupportedOperationException}, and callers fall back to polling {@link #currentSequence}.
   *
   * @return a registration that stops the notifications when closed
   */
  default CommitListener.Registration onCommit(CommitListener listener) {
    throw new UnsupportedOperationException(
        "the " + name() + " store cannot notify commits; poll currentSequence instead");
  }

  // ---------------------------------------------------------------- recovery (optional)

  /**
   * Removes the tombstones of every tenant that were committed at least {@code horizonMillis}
   * before {@code nowMillis}, and remembers per tenant the highest sequence of a removed tombstone
   * ({@link #purgedThrough}). Commit times are known to the granularity of purge runs: each run
   * records a mark (tenant, sequence, time), and a later run removes the tombstones up to the
   * newest mark at least the horizon old. Safe to run on several nodes at once.
   *
   * @return the number of tombstones removed
   * @throws io.fieldsync.StorageException when the database fails (retriable)
   */
  default long purgeTombstones(long nowMillis, long horizonMillis) {
    return 0;
  }

  /**
   * The highest sequence of a tombstone {@link #purgeTombstones} removed from the tenant, 0 when
   * none was: a device whose cursor is below it may have missed a delete and must resync.
   */
  default long purgedThrough(String tenant) {
    return 0;
  }

  /**
   * The stored records (live or tombstoned) of a table with the given ids, read in one consistent
   * snapshot; ids the store has never seen, or whose tombstone was purged, are absent.
   */
  default Map<String, StoredRecord> records(String tenant, String table, Collection<String> ids) {
    return write(tenant, transaction -> transaction.load(table, ids));
  }

  /**
   * Streams every live record of one table of the tenant to {@code sink}, in one consistent
   * snapshot, values only ({@link StoredRecord#seq()} 0, no versions). Used to compute verification
   * checksums; the sink must not call back into the store.
   *
   * @throws UnsupportedOperationException when the backend cannot scan
   */
  default void scanLive(String tenant, String table, Consumer<StoredRecord> sink) {
    throw new UnsupportedOperationException(name() + " store cannot scan tables");
  }

  /**
   * The highest {@code device_batch} number committed for the device ({@link
   * WriteTransaction#recordDeviceBatch}), 0 when none was.
   */
  default long lastDeviceBatch(String tenant, String device) {
    return 0;
  }

  // ---------------------------------------------------------------- token revocation (optional)

  /**
   * Revokes the device's tokens issued at or before {@code issuedUpToSeconds} (epoch seconds, the
   * tokens' {@code iat}); a later call can only move the line forward. Tokens minted afterwards
   * work again (re-enrolling the device).
   *
   * @throws UnsupportedOperationException when the backend cannot
   * @throws io.fieldsync.StorageException when the database fails (retriable)
   */
  default void revokeDevice(String tenant, String device, long issuedUpToSeconds) {
    throw new UnsupportedOperationException(name() + " store cannot revoke tokens");
  }

  /** Per revoked device of the tenant: its tokens issued at or before this epoch second. */
  default Map<String, Long> revokedDevices(String tenant) {
    return Map.of();
  }

  @Override
  void close();
}
