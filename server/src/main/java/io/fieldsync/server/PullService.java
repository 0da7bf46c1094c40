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
import io.fieldsync.wire.SequenceRange;
import io.fieldsync.wire.Values;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
    // A snapshot replaces the device's rows with what it delivers: it must deliver everything.
    Echo echo = request.getSnapshot() ? Echo.NONE : Echo.of(token.device(), request);
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
      Record record;
      if (stored.deleted() || !scope.restricts(table)) {
        record = toWire(table, stored, cursor, echo);
      } else if (scope.admits(table, stored.values())) {
        // A record whose scope changed may have just entered the device's rows: send all of it,
        // the device's own earlier writes too (it dropped its copy when the record left).
        record =
            RowScope.scopeChangedAfter(table, stored, cursor)
                ? toWire(table, stored, 0, Echo.NONE)
                : toWire(table, stored, cursor, echo);
      } else if (cursor > 0 && RowScope.scopeChangedAfter(table, stored, cursor)) {
        record = evicted(table, stored);
      } else {
        record = null;
      }
      if (record != null) {
        records.add(record);
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

  /** The most {@code own_writes} ranges a pull may name. */
  static final int MAX_OWN_WRITES = 64;

  /**
   * Which writes the pulling device already holds: those its database made itself, that is with a
   * version of the token's device at a sequence in one of the {@code PushResponse.written} ranges
   * of the pushes this database has acknowledged. A database that is new, or restored from a
   * backup, does not name the ranges of pushes it never made, even with the same device id, and so
   * gets those writes back.
   *
   * <p>Only field versions and record creations count. Tombstones are always sent: a delete's
   * cascade stamps the children's tombstones with the pushing device, which never saw them. Merged
   * field values are safe: a push whose stored value differs from the one sent answers with the
   * record ({@code server_record}), which the device writes in the same transaction that stores the
   * range.
   */
  record Echo(String device, long[] ranges) {
    static final Echo NONE = new Echo("", new long[0]);

    static Echo of(String device, PullRequest request) {
      int count = request.getOwnWritesCount();
      if (count > MAX_OWN_WRITES) {
        throw HttpFailure.badRequest(
            "own_writes may name at most " + MAX_OWN_WRITES + " ranges, found " + count);
      }
      long[] ranges = new long[2 * count];
      for (int i = 0; i < count; i++) {
        SequenceRange range = request.getOwnWrites(i);
        if (range.getFirst() < 1 || range.getLast() < range.getFirst()) {
          throw HttpFailure.badRequest(
              "own_writes["
                  + i
                  + "] must have 1 <= first <= last, found first "
                  + range.getFirst()
                  + " and last "
                  + range.getLast());
        }
        ranges[2 * i] = range.getFirst();
        ranges[2 * i + 1] = range.getLast();
      }
      return new Echo(device, ranges);
    }

    boolean own(FieldVersion version) {
      if (version == null || ranges.length == 0 || !version.getDevice().equals(device)) {
        return false;
      }
      for (int i = 0; i < ranges.length; i += 2) {
        if (version.getSeq() >= ranges[i] && version.getSeq() <= ranges[i + 1]) {
          return true;
        }
      }
      return false;
    }

    /**
     * Whether the device created the record, in one acknowledged batch: the creation and at least
     * one field carry that batch's sequence and no field is older. A restore (a parent brought back
     * for a child, an update of a tombstone) keeps older fields, so it is sent whole.
     */
    boolean created(RecordVersions versions) {
      if (!versions.hasRow() || !own(versions.getRow())) {
        return false;
      }
      long created = versions.getRow().getSeq();
      boolean atCreation = false;
      for (FieldVersion version : versions.getFieldsMap().values()) {
        if (version.getSeq() < created) {
          return false;
        }
        atCreation |= version.getSeq() == created;
      }
      return atCreation;
    }
  }

  static Record toWire(Table table, StoredRecord stored, long cursor) {
    return toWire(table, stored, cursor, Echo.NONE);
  }

  /** The record as a pull after {@code cursor} sends it; null when the device holds all of it. */
  static Record toWire(Table table, StoredRecord stored, long cursor, Echo echo) {
    Record.Builder record =
        Record.newBuilder().setTable(table.name()).setRecordId(stored.id()).setSeq(stored.seq());
    if (stored.deleted()) {
      return record.setDeleted(true).build();
    }
    RecordVersions versions = stored.versions();
    boolean whole =
        (!versions.hasRow() || versions.getRow().getSeq() > cursor) && !echo.created(versions);
    boolean held = false;
    // Hoisted: these lookups, per column of every pulled record, were most of a snapshot page.
    Map<String, FieldVersion> fieldVersions = versions.getFieldsMap();
    Map<String, Object> values = stored.values();
    for (Column column : table.columns().values()) {
      String name = column.name();
      FieldVersion version = fieldVersions.get(name);
      boolean send = whole || (version != null && version.getSeq() > cursor);
      if (!send) {
        continue;
      }
      if (!whole && echo.own(version)) {
        held = true;
        continue;
      }
      Object value = values.get(name);
      if (value != null || values.containsKey(name)) {
        record.addFields(
            Field.newBuilder()
                .setColumn(name)
                .setValue(Values.toWire(value))
                .setHlc(version == null ? 0 : version.getHlc()));
      }
    }
    return held && record.getFieldsCount() == 0 ? null : record.build();
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
