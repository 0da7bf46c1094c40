package io.fieldsync.server.pull;

import com.google.protobuf.InvalidProtocolBufferException;
import io.fieldsync.ProtocolException;
import io.fieldsync.ResyncRequiredException;
import io.fieldsync.order.ForeignKeyOrder;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.server.RowScope;
import io.fieldsync.server.ServerClock;
import io.fieldsync.server.TokenClaims;
import io.fieldsync.store.PullPage;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.store.SyncStore;
import io.fieldsync.wire.Field;
import io.fieldsync.wire.Packing;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.Record;
import io.fieldsync.wire.SequenceRange;
import io.fieldsync.wire.Values;
import io.fieldsync.wire.VersionScan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Answers pulls: one entry per record changed after the cursor, with only the fields changed after
 * the request's {@code since} (all fields for a record created or restored after it), tombstones
 * without fields, parents before children and deletes last. Thread-safe.
 */
public final class PullService {
  private final SyncStore store;
  private final Schema schema;
  private final ForeignKeyOrder order;
  private final ServerClock clock;
  private final int defaultLimit;
  private final int maxLimit;

  public PullService(
      SyncStore store, Schema schema, ServerClock clock, int defaultLimit, int maxLimit) {
    this.store = store;
    this.schema = schema;
    this.order = new ForeignKeyOrder(schema);
    this.clock = clock;
    this.defaultLimit = defaultLimit;
    this.maxLimit = maxLimit;
  }

  Schema schema() {
    return schema;
  }

  /**
   * The page after the request's cursor.
   *
   * @param packed whether the records go in {@code packed} (the binary wire's smaller form) rather
   *     than in {@code records}
   */
  PullResponse pull(TokenClaims token, PullRequest request, boolean packed) {
    long cursor = request.getCursor();
    if (cursor < 0) {
      throw new ProtocolException("cursor must not be negative, found " + cursor);
    }
    if (request.getLimit() < 0) {
      throw new ProtocolException("limit must not be negative, found " + request.getLimit());
    }
    long since = request.getSince();
    if (since < 0 || since > cursor) {
      throw new ProtocolException(
          "since must be between 0 and the cursor " + cursor + ", found " + since);
    }
    // A snapshot replaces the device's rows with what it delivers: it must deliver everything.
    Echo echo = request.getSnapshot() ? Echo.NONE : Echo.of(token.device(), request);
    int limit = request.getLimit() == 0 ? defaultLimit : Math.min(request.getLimit(), maxLimit);
    requireWithinHorizon(token, request);
    PullPage page = store.pull(token.tenant(), cursor, limit);
    requireNotAhead(cursor, page.sequence());
    RowScope scope = RowScope.of(token);
    Selection selection = new Selection();
    List<Outgoing> records = new ArrayList<>(page.records().size());
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
      Outgoing record;
      if (stored.deleted() || !scope.restricts(table)) {
        record = selection.select(table, stored, since, echo);
      } else if (scope.admits(table, stored.values())) {
        // A record whose scope changed may have just entered the device's rows: send all of it,
        // the device's own earlier writes too (it dropped its copy when the record left).
        record =
            RowScope.scopeChangedAfter(table, stored, since)
                ? selection.select(table, stored, 0, Echo.NONE)
                : selection.select(table, stored, since, echo);
      } else if (cursor > 0 && RowScope.mayBeHeld(table, stored, since)) {
        record = Outgoing.evicted(table, stored);
      } else {
        record = null;
      }
      if (record != null) {
        records.add(record);
      }
    }
    boolean hasMore = page.records().size() >= limit;
    long next = hasMore ? lastSeq : Math.max(cursor, page.sequence());
    PullResponse.Builder response =
        PullResponse.newBuilder()
            .setNextCursor(next)
            .setHasMore(hasMore)
            .setSequence(page.sequence())
            .setServerHlc(clock.now());
    List<Outgoing> sorted = order.sort(records, OUTGOING);
    if (packed) {
      Packing.RecordsWriter writer = new Packing.RecordsWriter();
      for (Outgoing record : sorted) {
        record.writeTo(writer);
      }
      writer.into(response);
    } else {
      for (Outgoing record : sorted) {
        response.addRecords(record.toRecord());
      }
    }
    return response.build();
  }

  /** The request a device makes for the page after {@code next}: the same, from there. */
  static PullRequest following(PullRequest request, long next) {
    return request.toBuilder().setCursor(next).build();
  }

  /** How many records a response carries, in either form. */
  static int recordCount(PullResponse response) {
    return response.getRecordsCount() + response.getPacked().getTablesCount();
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
      throw new ResyncRequiredException(
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
      throw new ResyncRequiredException(
          "cursor "
              + cursor
              + " is ahead of the server's sequence "
              + sequence
              + ": the server was restored from an older backup or the device synced with another"
              + " server; resync the device (take a snapshot)");
    }
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
        throw new ProtocolException(
            "own_writes may name at most " + MAX_OWN_WRITES + " ranges, found " + count);
      }
      long[] ranges = new long[2 * count];
      for (int i = 0; i < count; i++) {
        SequenceRange range = request.getOwnWrites(i);
        if (range.getFirst() < 1 || range.getLast() < range.getFirst()) {
          throw new ProtocolException(
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

    boolean own(String writer, long seq) {
      if (ranges.length == 0 || !writer.equals(device)) {
        return false;
      }
      for (int i = 0; i < ranges.length; i += 2) {
        if (seq >= ranges[i] && seq <= ranges[i + 1]) {
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
    boolean created(VersionScan versions) {
      if (!versions.hasRow() || !own(versions.rowDevice(), versions.rowSeq())) {
        return false;
      }
      long created = versions.rowSeq();
      boolean atCreation = false;
      for (int i = 0; i < versions.columns(); i++) {
        if (!versions.has(i)) {
          continue;
        }
        if (versions.seq(i) < created) {
          return false;
        }
        atCreation |= versions.seq(i) == created;
      }
      return atCreation;
    }
  }

  /** The record as a pull sends it to a device holding it as of {@code since}; never null. */
  public static Record toWire(Table table, StoredRecord stored, long since) {
    return new Selection().select(table, stored, since, Echo.NONE).toRecord();
  }

  /**
   * What of a stored record a pull sends: its fields changed after {@code since}, or all, less
   * those the device wrote itself. Holds the table's version scan for every record of one pull. Not
   * thread-safe: one per pull.
   */
  static final class Selection {
    private final Map<Table, TableScan> scans = new HashMap<>();

    private record TableScan(Column[] columns, VersionScan versions) {}

    /**
     * The record as a pull sends it to a device that holds it as of sequence {@code since}; null
     * when the device holds all of it.
     */
    Outgoing select(Table table, StoredRecord stored, long since, Echo echo) {
      if (stored.deleted()) {
        return new Outgoing(table, stored, false, NO_FIELDS, NO_COLUMNS, NO_HLCS, 0);
      }
      TableScan scan = scans.computeIfAbsent(table, Selection::scanOf);
      VersionScan versions = scan.versions();
      byte[] encoded = stored.encodedVersions();
      if (encoded == null) {
        versions.scan(stored.versions());
      } else {
        try {
          versions.scan(encoded);
        } catch (InvalidProtocolBufferException e) {
          throw stored.corrupt(e.getMessage(), e);
        }
      }
      boolean whole = (!versions.hasRow() || versions.rowSeq() > since) && !echo.created(versions);
      boolean held = false;
      Map<String, Object> values = stored.values();
      Column[] columns = scan.columns();
      int[] sent = new int[columns.length];
      long[] hlcs = new long[columns.length];
      int count = 0;
      for (int i = 0; i < columns.length; i++) {
        boolean versioned = versions.has(i);
        if (!whole && !(versioned && versions.seq(i) > since)) {
          continue;
        }
        if (!whole && echo.own(versions.device(i), versions.seq(i))) {
          held = true;
          continue;
        }
        String name = columns[i].name();
        if (values.get(name) != null || values.containsKey(name)) {
          sent[count] = i;
          hlcs[count] = versioned ? versions.hlc(i) : 0;
          count++;
        }
      }
      return held && count == 0
          ? null
          : new Outgoing(table, stored, false, columns, sent, hlcs, count);
    }

    private static TableScan scanOf(Table table) {
      Column[] columns = table.columns().values().toArray(new Column[0]);
      List<String> names = new ArrayList<>(columns.length);
      for (Column column : columns) {
        names.add(column.name());
      }
      return new TableScan(columns, new VersionScan(names));
    }
  }

  private static final Column[] NO_FIELDS = new Column[0];
  private static final int[] NO_COLUMNS = new int[0];
  private static final long[] NO_HLCS = new long[0];

  /**
   * A record as a pull sends it: a tombstone, an eviction, or the fields {@code sent} (indexes into
   * the table's columns, {@code count} of them) with their stamps.
   */
  record Outgoing(
      Table table,
      StoredRecord stored,
      boolean evicted,
      Column[] columns,
      int[] sent,
      long[] hlcs,
      int count) {

    /** The removal of a record that left the puller's scopes: no values travel. */
    static Outgoing evicted(Table table, StoredRecord stored) {
      return new Outgoing(table, stored, true, NO_FIELDS, NO_COLUMNS, NO_HLCS, 0);
    }

    boolean deleted() {
      return evicted || stored.deleted();
    }

    Column column(int field) {
      return columns[sent[field]];
    }

    Record toRecord() {
      Record.Builder record =
          Record.newBuilder().setTable(table.name()).setRecordId(stored.id()).setSeq(stored.seq());
      if (deleted()) {
        return record.setDeleted(true).setEvicted(evicted).build();
      }
      Map<String, Object> values = stored.values();
      for (int i = 0; i < count; i++) {
        String name = column(i).name();
        record.addFields(
            Field.newBuilder()
                .setColumn(name)
                .setValue(Values.toWire(values.get(name)))
                .setHlc(hlcs[i]));
      }
      return record.build();
    }

    void writeTo(Packing.RecordsWriter writer) {
      writer.record(table.name(), stored.id(), stored.seq(), deleted(), false, evicted);
      Map<String, Object> values = stored.values();
      for (int i = 0; i < count; i++) {
        String name = column(i).name();
        writer.field(name, hlcs[i], values.get(name));
      }
    }
  }

  static final ForeignKeyOrder.Adapter<Outgoing> OUTGOING =
      new ForeignKeyOrder.Adapter<>() {
        @Override
        public String table(Outgoing item) {
          return item.table().name();
        }

        @Override
        public String recordId(Outgoing item) {
          return item.stored().id();
        }

        @Override
        public boolean isDelete(Outgoing item) {
          return item.deleted();
        }

        @Override
        public Object value(Outgoing item, String column) {
          for (int i = 0; i < item.count(); i++) {
            if (item.column(i).name().equals(column)) {
              return item.stored().values().get(column);
            }
          }
          return null;
        }
      };
}
