package io.fieldsync.server.uplink;

import io.fieldsync.ProtocolException;
import io.fieldsync.ResyncRequiredException;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.schema.Schema;
import io.fieldsync.store.PullPage;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.store.SyncStore;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads the tenant from the upstream when it answers a pull with {@code 410 resync_required}
 * (this server's cursor is older than the upstream's tombstone horizon: deletes it never received
 * were purged there), the way a device resyncs (docs/recovery.md):
 *
 * <ol>
 *   <li>The writes of this server's devices went up before the pull that was refused (a cycle
 *       pushes first); those made during the resync stay here as in any pull ({@link Downward}) and
 *       go up after it, and the upstream decides them.
 *   <li>Snapshot pages from cursor 0 at the upstream's sequence when the resync started. Each page
 *       is taken in one transaction with the progress ({@link UplinkState#resync}), and each live
 *       record read is marked with that sequence in its {@link RecordBase}: an interrupted resync
 *       continues at its page.
 *   <li>The regional records of the tenant, page by page: a live one the snapshot did not mark and
 *       that holds no write the upstream has not decided is deleted here (the upstream no longer
 *       holds it), with a new local sequence so this server's devices pull the delete.
 *   <li>Pulls go on from the snapshot's last cursor.
 * </ol>
 *
 * <p>Memory is bounded by a page. {@code sum} columns stay exact: a resync sets what the upstream
 * has counted to its total and keeps only the increments it has not acknowledged, as a pull does.
 * Not thread-safe: the {@link Uplink} runs one cycle at a time.
 */
final class UplinkResync {
  private static final Logger log = LoggerFactory.getLogger(UplinkResync.class);

  private final SyncStore store;
  private final Schema schema;
  private final String tenant;
  private final Transport upstream;
  private final int pageSize;
  private final Downward downward;
  private final LongConsumer progress;

  /**
   * @param progress hears how many records the resync has read after each page
   */
  UplinkResync(
      SyncStore store,
      Schema schema,
      String tenant,
      Transport upstream,
      int pageSize,
      LongConsumer progress) {
    this.store = store;
    this.schema = schema;
    this.tenant = tenant;
    this.upstream = upstream;
    this.pageSize = pageSize;
    this.downward = new Downward(schema);
    this.progress = progress;
  }

  /** What a finished resync did. */
  record Outcome(long read, long removed, UplinkState state) {}

  /** Records that a resync starts, at the upstream's sequence now. */
  UplinkState start(ResyncRequiredException why) {
    long sequence = upstream.schema().getSequence();
    log.warn(
        "the upstream asks this server to resync tenant '{}': {}; re-reading the tenant from"
            + " upstream at its sequence {} (writes not yet pushed are kept)",
        tenant,
        why.getMessage(),
        sequence);
    UplinkState started =
        store.write(
            tenant,
            transaction -> {
              UplinkState next =
                  UplinkState.read(transaction)
                      .resyncing(new UplinkState.Resync(0, sequence, 0, why.getMessage()));
              next.save(transaction);
              return next;
            });
    progress.accept(0);
    return started;
  }

  /** Runs the resync {@code start} holds to its end (continuing where it stopped). */
  Outcome run(UplinkState start) {
    UplinkState.Resync resync = start.resync();
    while (true) {
      PullResponse page;
      try {
        page = upstream.pull(request(resync));
      } catch (ResyncRequiredException e) {
        if (resync.cursor() == 0) {
          throw e;
        }
        // The upstream went back (restored from an older backup) during the resync: again.
        resync = start(e).resync();
        continue;
      }
      if (page.getSchemaVersion() != 0 && page.getSchemaVersion() != schema.version()) {
        throw UplinkCycle.schemaMismatch(page.getSchemaVersion(), schema.version());
      }
      long next = Math.max(resync.cursor(), page.getNextCursor());
      UplinkState.Resync moved =
          new UplinkState.Resync(
              next, resync.sequence(), resync.read() + page.getRecordsCount(), resync.reason());
      store.write(
          tenant,
          transaction -> {
            UplinkState now = UplinkState.read(transaction);
            downward.adopt(transaction, page.getRecordsList(), now.pushedThrough(), moved.mark());
            now.resyncing(moved).save(transaction);
            return null;
          });
      progress.accept(moved.read());
      if (!page.getHasMore()) {
        resync = moved;
        break;
      }
      if (next == resync.cursor() && page.getRecordsCount() == 0) {
        throw new ProtocolException(
            "the upstream's snapshot page from cursor " + next + " said has_more but held nothing");
      }
      resync = moved;
    }
    long removed = removeUnread(resync.mark());
    long end = resync.cursor();
    UplinkState done =
        store.write(
            tenant,
            transaction -> {
              UplinkState next = UplinkState.read(transaction).resynced(end);
              next.save(transaction);
              return next;
            });
    log.warn(
        "resync of tenant '{}' from upstream done: {} records re-read, {} removed that the upstream"
            + " no longer holds; pulls go on from upstream cursor {}",
        tenant,
        resync.read(),
        removed,
        end);
    return new Outcome(resync.read(), removed, done);
  }

  private PullRequest request(UplinkState.Resync resync) {
    return PullRequest.newBuilder()
        .setCursor(resync.cursor())
        .setLimit(pageSize)
        .setSchemaVersion(schema.version())
        .setSnapshot(true)
        .setSnapshotSequence(resync.sequence())
        .build();
  }

  /**
   * Deletes the tenant's live records the resync marked {@code mark} did not read, unless they hold
   * a write the upstream has not decided; reads the store a page at a time, up to its sequence now
   * (the deletes themselves land above it).
   *
   * @return how many were deleted
   */
  private long removeUnread(long mark) {
    long top = store.currentSequence(tenant);
    long after = 0;
    long removed = 0;
    while (after < top) {
      PullPage page = store.pull(tenant, after, pageSize);
      List<StoredRecord> records = new ArrayList<>();
      for (StoredRecord record : page.records()) {
        if (record.seq() <= top) {
          records.add(record);
        }
      }
      if (records.isEmpty()) {
        break;
      }
      removed += removeUnread(records, mark);
      after = records.get(records.size() - 1).seq();
    }
    return removed;
  }

  private int removeUnread(List<StoredRecord> records, long mark) {
    Map<String, List<String>> idsByTable = new LinkedHashMap<>();
    for (StoredRecord record : records) {
      if (!record.deleted()) {
        idsByTable.computeIfAbsent(record.table(), unused -> new ArrayList<>()).add(record.id());
      }
    }
    return store.write(
        tenant,
        transaction -> {
          long pushedThrough = UplinkState.read(transaction).pushedThrough();
          int count = 0;
          for (Map.Entry<String, List<String>> table : idsByTable.entrySet()) {
            // Loaded again: a device of this server may have written since the page was read.
            Map<String, StoredRecord> now = transaction.load(table.getKey(), table.getValue());
            for (StoredRecord local : now.values()) {
              RecordBase base = RecordBase.read(transaction, local.table(), local.id());
              boolean read = base != null && base.seen() == mark;
              if (!read
                  && downward.remove(
                      transaction,
                      schema.requireTable(local.table()),
                      local.id(),
                      local,
                      pushedThrough)) {
                RecordBase.remove(transaction, local.table(), local.id());
                count++;
              }
            }
          }
          return count;
        });
  }
}
