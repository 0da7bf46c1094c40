package io.fieldsync.server;

import io.fieldsync.order.ForeignKeyOrder;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.store.PullPage;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.store.SyncStore;
import io.fieldsync.wire.Field;
import io.fieldsync.wire.FieldVersion;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.Record;
import io.fieldsync.wire.RecordVersions;
import io.fieldsync.wire.Values;
import java.util.ArrayList;
import java.util.List;

/**
 * Answers pulls: one entry per record changed after the cursor, with only the fields changed after
 * it (all fields for a record created or restored after it), tombstones without fields, parents
 * before children and deletes last. Thread-safe.
 */
final class PullService {
  private final SyncStore store;
  private final Schema schema;
  private final ForeignKeyOrder order;
  private final ServerClock clock;
  private final int defaultLimit;
  private final int maxLimit;

  PullService(SyncStore store, Schema schema, ServerClock clock, int defaultLimit, int maxLimit) {
    this.store = store;
    this.schema = schema;
    this.order = new ForeignKeyOrder(schema);
    this.clock = clock;
    this.defaultLimit = defaultLimit;
    this.maxLimit = maxLimit;
  }

  PullResponse pull(TokenClaims token, PullRequest request) {
    long cursor = request.getCursor();
    if (cursor < 0) {
      throw HttpFailure.badRequest("cursor must not be negative, found " + cursor);
    }
    if (request.getLimit() < 0) {
      throw HttpFailure.badRequest("limit must not be negative, found " + request.getLimit());
    }
    int limit = request.getLimit() == 0 ? defaultLimit : Math.min(request.getLimit(), maxLimit);
    requireWithinHorizon(token, request);
    PullPage page = store.pull(token.tenant(), cursor, limit);
    requireNotAhead(cursor, page.sequence());
    RowScope scope = RowScope.of(token);
    List<Record> records = new ArrayList<>(page.records().size());
    long lastSeq = cursor;
    for (StoredRecord stored : page.records()) {
      lastSeq = Math.max(lastSeq, stored.seq());
      Table table = schema.table(stored.table());
      boolean unseenTombstone =
          request.getSnapshot()
              && stored.deleted()
              && stored.seq() <= request.getSnapshotSequence();
      if (table == null || unseenTombstone) {
        continue;
      }
      if (stored.deleted() || !scope.restricts(table)) {
        records.add(toWire(table, stored, cursor));
      } else if (scope.admits(table, stored.values())) {
        // A record whose scope changed may have just entered the device's rows: send all of it.
        boolean whole = RowScope.scopeChangedAfter(table, stored, cursor);
        records.add(toWire(table, stored, whole ? 0 : cursor));
      } else if (cursor > 0 && RowScope.scopeChangedAfter(table, stored, cursor)) {
        records.add(evicted(table, stored));
      }
    }
    boolean hasMore = page.records().size() >= limit;
    long next = hasMore ? lastSeq : Math.max(cursor, page.sequence());
    return PullResponse.newBuilder()
        .addAllRecords(order.sort(records, ADAPTER))
        .setNextCursor(next)
        .setHasMore(hasMore)
        .setSequence(page.sequence())
        .setServerHlc(clock.now())
        .build();
  }

  /**
   * A cursor below the highest purged tombstone may have missed deletes that no pull can deliver
   * any more: the device must take a snapshot. Cursor 0 (a new device) and snapshot pulls need no
   * tombstones.
   */
  private void requireWithinHorizon(TokenClaims token, PullRequest request) {
    long cursor = request.getCursor();
    if (request.getSnapshot() || cursor == 0) {
      return;
    }
    long purged = store.purgedThrough(token.tenant());
    if (cursor < purged) {
      throw HttpFailure.resyncRequired(
          "cursor "
              + cursor
              + " is older than the tombstone horizon: deletes up to sequence "
              + purged
              + " were purged; resync the device (take a snapshot)");
    }
  }

  /**
   * A cursor past the tenant's sequence was given by another server or by this one before it was
   * restored from an older backup: pulling from it would skip every change up to it.
   */
  private static void requireNotAhead(long cursor, long sequence) {
    if (cursor > sequence) {
      throw HttpFailure.resyncRequired(
          "cursor "
              + cursor
              + " is ahead of the server's sequence "
              + sequence
              + ": the server was restored from an older backup or the device synced with another"
              + " server; resync the device (take a snapshot)");
    }
  }

  /** The removal of a record that left the puller's scopes: no values travel. */
  static Record evicted(Table table, StoredRecord stored) {
    return Record.newBuilder()
        .setTable(table.name())
        .setRecordId(stored.id())
        .setSeq(stored.seq())
        .setDeleted(true)
        .setEvicted(true)
        .build();
  }

  static Record toWire(Table table, StoredRecord stored, long cursor) {
    Record.Builder record =
        Record.newBuilder().setTable(table.name()).setRecordId(stored.id()).setSeq(stored.seq());
    if (stored.deleted()) {
      return record.setDeleted(true).build();
    }
    RecordVersions versions = stored.versions();
    boolean whole = !versions.hasRow() || versions.getRow().getSeq() > cursor;
    for (Column column : table.columns().values()) {
      FieldVersion version = versions.getFieldsMap().get(column.name());
      boolean send = whole || (version != null && version.getSeq() > cursor);
      if (send && stored.values().containsKey(column.name())) {
        record.addFields(
            Field.newBuilder()
                .setColumn(column.name())
                .setValue(Values.toWire(stored.values().get(column.name())))
                .setHlc(version == null ? 0 : version.getHlc()));
      }
    }
    return record.build();
  }

  static final ForeignKeyOrder.Adapter<Record> ADAPTER =
      new ForeignKeyOrder.Adapter<>() {
        @Override
        public String table(Record item) {
          return item.getTable();
        }

        @Override
        public String recordId(Record item) {
          return item.getRecordId();
        }

        @Override
        public boolean isDelete(Record item) {
          return item.getDeleted();
        }

        @Override
        public Object value(Record item, String column) {
          for (Field field : item.getFieldsList()) {
            if (field.getColumn().equals(column)) {
              return Values.fromWire(field.getValue());
            }
          }
          return null;
        }
      };
}
