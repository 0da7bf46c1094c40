package io.fieldsync.client.internal.recovery;

import io.fieldsync.ProtocolException;
import io.fieldsync.ResyncRequiredException;
import io.fieldsync.client.internal.apply.Applier;
import io.fieldsync.client.internal.apply.NewerSchemaException;
import io.fieldsync.client.internal.apply.PageAhead;
import io.fieldsync.client.internal.apply.PageOrder;
import io.fieldsync.client.internal.capture.SqlText;
import io.fieldsync.client.internal.outbox.Outbox;
import io.fieldsync.client.internal.state.DeviceDatabase;
import io.fieldsync.client.internal.state.DeviceState;
import io.fieldsync.client.internal.state.DeviceState.SnapshotProgress;
import io.fieldsync.client.internal.state.Jdbc;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.order.ForeignKeyOrder;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.wire.IdRange;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PulledPage;
import io.fieldsync.wire.RangeChecksum;
import io.fieldsync.wire.VerifyRequest;
import java.sql.PreparedStatement;
import java.util.List;

/**
 * A resync: a paged snapshot of the tenant's live records that replaces the device's view.
 *
 * <p>The caller has pushed the outbox first. The snapshot then pulls from cursor 0 with {@code
 * snapshot = true} (no tombstone-horizon check; tombstones of records deleted before the snapshot
 * started are left out). Each page is applied in one transaction together with its progress in
 * {@code _fs_meta} ({@code snapshot_cursor}, {@code snapshot_sequence}, {@code snapshot_done},
 * {@code snapshot_total}) and the ids it delivered in {@code _fs_snapshot_seen}: an interrupted
 * snapshot continues from the last applied page. The last step, in one transaction, deletes the
 * local rows the snapshot did not deliver and that have no pending edits, sets the cursor and
 * clears the progress.
 */
public final class Snapshot {
  /** Hears progress after each applied page. */
  public interface Progress {
    /**
     * @param page the page just applied
     * @param done records applied by the snapshot so far
     * @param totalEstimate about how many it holds ({@code done} when finished)
     * @param finished whether the snapshot is complete
     */
    void progress(PullResponse page, long done, long totalEstimate, boolean finished);
  }

  /** What a finished snapshot did. */
  public record Outcome(long records, long pages, long removed, long cursor) {}

  private final DeviceDatabase database;
  private final Schema schema;
  private final Transport transport;
  private final int pageSize;
  private final Applier applier;
  private final ForeignKeyOrder order;

  public Snapshot(DeviceDatabase database, Schema schema, Transport transport, int pageSize) {
    this.database = database;
    this.schema = schema;
    this.transport = transport;
    this.pageSize = pageSize;
    this.applier = new Applier(schema);
    this.order = new ForeignKeyOrder(schema);
  }

  /** Whether a snapshot was started and not finished. */
  public static boolean inProgress(DeviceDatabase database) {
    return database.read(c -> database.state().snapshot() != null);
  }

  /** Starts a snapshot, or continues the one in progress, and runs it to the end. */
  public Outcome run(Progress progress) {
    if (!inProgress(database)) {
      start();
    }
    SnapshotProgress started = progress();
    long cursor = started.cursor();
    long since = started.sequence();
    long done = started.done();
    long total = started.total();
    long pages = 0;
    try (DeviceDatabase.RelaxedSync relaxed = database.relaxedSync();
        PageAhead<PullResponse> ahead = PageAhead.of(transport)) {
      PullResponse page = null;
      while (true) {
        if (page == null) {
          try {
            page = ahead.take(pullRequest(cursor, since));
          } catch (ResyncRequiredException e) {
            if (cursor == 0) {
              throw e;
            }
            // The server went back (restored from an older backup) while the snapshot was
            // interrupted: its cursor is ahead of the server now, so start the snapshot again.
            start();
            SnapshotProgress restarted = progress();
            cursor = 0;
            since = restarted.sequence();
            done = 0;
            total = restarted.total();
            continue;
          }
        }
        pages++;
        long next = Math.max(cursor, page.getNextCursor());
        boolean stuck = next == cursor && page.getRecordsCount() == 0;
        if (page.getHasMore() && !stuck) {
          ahead.prefetch(pullRequest(next, since));
        }
        done += page.getRecordsCount();
        total = Math.max(total, done);
        apply(page, next, since, done, total);
        if (!page.getHasMore()) {
          long removed = finish(next);
          progress.progress(page, done, done, true);
          return new Outcome(done, pages, removed, next);
        }
        progress.progress(page, done, total, false);
        if (stuck) {
          throw new ProtocolException(
              "snapshot pull from cursor " + cursor + " said has_more but returned nothing");
        }
        cursor = next;
        page = null;
      }
    }
  }

  private PullRequest pullRequest(long cursor, long since) {
    return PullRequest.newBuilder()
        .setCursor(cursor)
        .setLimit(pageSize)
        .setSchemaVersion(schema.version())
        .setSnapshot(true)
        .setSnapshotSequence(since)
        .build();
  }

  /**
   * Records where the snapshot starts: the server's sequence now (tombstones at or below it delete
   * records this snapshot never delivers) and an estimate of its size (the live record counts, when
   * the transport can verify; else the sequence, an upper bound).
   */
  private void start() {
    long sequence = transport.schema().getSequence();
    long total = sequence;
    try {
      VerifyRequest.Builder request = VerifyRequest.newBuilder();
      for (Table table : schema.tables().values()) {
        request.addRanges(IdRange.newBuilder().setTable(table.name()));
      }
      total = 0;
      for (RangeChecksum range : transport.verify(request.build()).getRangesList()) {
        total += range.getCount();
      }
    } catch (ProtocolException e) {
      // No verify endpoint behind this transport: keep the upper bound.
      total = sequence;
    }
    long estimate = total;
    database.transaction(
        c -> {
          new Jdbc(c)
              .executeAll(
                  List.of(
                      "CREATE TABLE IF NOT EXISTS _fs_snapshot_seen (tbl TEXT NOT NULL, rid TEXT NOT"
                          + " NULL, PRIMARY KEY (tbl, rid)) WITHOUT ROWID",
                      "DELETE FROM _fs_snapshot_seen"));
          database.state().storeSnapshot(new SnapshotProgress(0, sequence, 0, estimate));
          return null;
        });
  }

  private void apply(PullResponse page, long next, long since, long done, long total) {
    if (page.getSchemaVersion() > schema.version()) {
      throw NewerSchemaException.page(page.getSchemaVersion(), schema.version(), next);
    }
    database.transaction(
        c -> {
          DeviceState state = database.state();
          state.captureOff(page.getServerHlc());
          Outbox.PendingLog pendingKeys = Outbox.pendingKeys(c);
          PulledPage records = PulledPage.of(page);
          try (PreparedStatement seen =
              c.prepareStatement(
                  "INSERT OR IGNORE INTO _fs_snapshot_seen (tbl, rid) VALUES (?, ?)")) {
            try {
              for (int record : PageOrder.sorted(order, records)) {
                applier.stage(c, records, record, pendingKeys, (table, id, column) -> {});
                if (!records.deleted(record) && !records.absent(record)) {
                  seen.setString(1, records.table(record));
                  seen.setString(2, records.recordId(record));
                  seen.addBatch();
                }
              }
              applier.flush();
            } finally {
              applier.discard();
            }
            seen.executeBatch();
          }
          state.storeSnapshot(new SnapshotProgress(next, since, done, total));
          state.captureOn();
          return null;
        });
  }

  /** Deletes what the snapshot did not deliver (unless pending), sets the cursor. */
  private long finish(long cursor) {
    return database.transaction(
        c -> {
          DeviceState state = database.state();
          Jdbc jdbc = new Jdbc(c);
          state.captureOff();
          long removed = 0;
          for (Table table : schema.tables().values()) {
            String key = SqlText.identifier(table.primaryKey().name());
            try (PreparedStatement delete =
                c.prepareStatement(
                    "DELETE FROM "
                        + SqlText.identifier(table.name())
                        + " AS t WHERE NOT EXISTS (SELECT 1 FROM _fs_snapshot_seen s WHERE s.tbl = ?"
                        + " AND s.rid = CAST(t."
                        + key
                        + " AS TEXT)) AND NOT EXISTS (SELECT 1 FROM _fs_changelog l WHERE l.tbl = ?"
                        + " AND CAST(l.rid AS TEXT) = CAST(t."
                        + key
                        + " AS TEXT))")) {
              delete.setString(1, table.name());
              delete.setString(2, table.name());
              removed += delete.executeUpdate();
            }
          }
          jdbc.update("DELETE FROM _fs_snapshot_seen");
          state.clearSnapshot();
          state.captureOn(cursor);
          state.storePullSince(cursor);
          return removed;
        });
  }

  private SnapshotProgress progress() {
    return database.read(c -> database.state().snapshot());
  }
}
