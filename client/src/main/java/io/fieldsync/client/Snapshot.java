package io.fieldsync.client;

import io.fieldsync.ProtocolException;
import io.fieldsync.order.ForeignKeyOrder;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.wire.IdRange;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.RangeChecksum;
import io.fieldsync.wire.Record;
import io.fieldsync.wire.VerifyRequest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
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
final class Snapshot {
  static final String META_CURSOR = "snapshot_cursor";
  static final String META_SEQUENCE = "snapshot_sequence";
  static final String META_DONE = "snapshot_done";
  static final String META_TOTAL = "snapshot_total";

  /** Hears progress after each applied page. */
  interface Progress {
    void progress(long done, long totalEstimate, boolean finished);
  }

  /** What a finished snapshot did. */
  record Outcome(long records, long pages, long removed, long cursor) {}

  private final Connection connection;
  private final Schema schema;
  private final Transport transport;
  private final int pageSize;
  private final Applier applier;
  private final ForeignKeyOrder order;

  Snapshot(Connection connection, Schema schema, Transport transport, int pageSize) {
    this.connection = connection;
    this.schema = schema;
    this.transport = transport;
    this.pageSize = pageSize;
    this.applier = new Applier(schema);
    this.order = new ForeignKeyOrder(schema);
  }

  /** Whether a snapshot was started and not finished. */
  static boolean inProgress(Connection connection) throws SQLException {
    return LocalStore.meta(connection, META_CURSOR) != null;
  }

  /** Starts a snapshot, or continues the one in progress, and runs it to the end. */
  Outcome run(Progress progress) {
    boolean resuming;
    try {
      resuming = inProgress(connection);
    } catch (SQLException e) {
      throw LocalStore.storage(e);
    }
    if (!resuming) {
      start();
    }
    long cursor = metaLong(META_CURSOR);
    long since = metaLong(META_SEQUENCE);
    long done = metaLong(META_DONE);
    long total = metaLong(META_TOTAL);
    long pages = 0;
    try (LocalStore.RelaxedSync relaxed = LocalStore.relaxedSync(connection);
        PageAhead ahead = new PageAhead(transport)) {
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
            cursor = 0;
            since = metaLong(META_SEQUENCE);
            done = 0;
            total = metaLong(META_TOTAL);
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
        apply(page, next, done, total);
        if (!page.getHasMore()) {
          long removed = finish(next);
          progress.progress(done, done, true);
          return new Outcome(done, pages, removed, next);
        }
        progress.progress(done, total, false);
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
    LocalStore.transaction(
        connection,
        c -> {
          LocalStore.execute(
              c,
              List.of(
                  "CREATE TABLE IF NOT EXISTS _fs_snapshot_seen (tbl TEXT NOT NULL, rid TEXT NOT"
                      + " NULL, PRIMARY KEY (tbl, rid)) WITHOUT ROWID",
                  "DELETE FROM _fs_snapshot_seen"));
          LocalStore.putMeta(c, META_CURSOR, 0L);
          LocalStore.putMeta(c, META_SEQUENCE, sequence);
          LocalStore.putMeta(c, META_DONE, 0L);
          LocalStore.putMeta(c, META_TOTAL, estimate);
          return null;
        });
  }

  private void apply(PullResponse page, long next, long done, long total) {
    LocalStore.transaction(
        connection,
        c -> {
          execute(
              c,
              "UPDATE _fs_state SET hlc = MAX(hlc, ?), capture = 0 WHERE id = 1",
              page.getServerHlc());
          Outbox.PendingLog pendingKeys = Outbox.pendingKeys(c);
          List<Record> records = order.sort(page.getRecordsList(), SyncEngine.recordAdapter());
          try (PreparedStatement seen =
              c.prepareStatement(
                  "INSERT OR IGNORE INTO _fs_snapshot_seen (tbl, rid) VALUES (?, ?)")) {
            try {
              for (Record record : records) {
                applier.stage(c, record, pendingKeys, (table, id, column) -> {});
                if (!record.getDeleted() && !record.getAbsent()) {
                  seen.setString(1, record.getTable());
                  seen.setString(2, record.getRecordId());
                  seen.addBatch();
                }
              }
              applier.flush();
            } finally {
              applier.discard();
            }
            seen.executeBatch();
          }
          LocalStore.putMeta(c, META_CURSOR, next);
          LocalStore.putMeta(c, META_DONE, done);
          LocalStore.putMeta(c, META_TOTAL, total);
          execute(c, "UPDATE _fs_state SET capture = 1 WHERE id = 1");
          return null;
        });
  }

  /** Deletes what the snapshot did not deliver (unless pending), sets the cursor. */
  private long finish(long cursor) {
    return LocalStore.transaction(
        connection,
        c -> {
          execute(c, "UPDATE _fs_state SET capture = 0 WHERE id = 1");
          long removed = 0;
          for (Table table : schema.tables().values()) {
            String key = Sql.id(table.primaryKey().name());
            try (PreparedStatement delete =
                c.prepareStatement(
                    "DELETE FROM "
                        + Sql.id(table.name())
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
          execute(c, "DELETE FROM _fs_snapshot_seen");
          execute(
              c,
              "DELETE FROM _fs_meta WHERE key IN (?, ?, ?, ?)",
              META_CURSOR,
              META_SEQUENCE,
              META_DONE,
              META_TOTAL);
          execute(c, "UPDATE _fs_state SET cursor = ?, capture = 1 WHERE id = 1", cursor);
          LocalStore.putMeta(c, LocalStore.META_PULL_SINCE, cursor);
          return removed;
        });
  }

  private long metaLong(String key) {
    try {
      Object value = LocalStore.meta(connection, key);
      return value instanceof Long number ? number : 0L;
    } catch (SQLException e) {
      throw LocalStore.storage(e);
    }
  }

  private static void execute(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement statement = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        statement.setObject(i + 1, args[i]);
      }
      statement.executeUpdate();
    }
  }
}
