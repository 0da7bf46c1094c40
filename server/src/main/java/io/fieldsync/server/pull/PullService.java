package io.fieldsync.server.pull;

import io.fieldsync.ProtocolException;
import io.fieldsync.ResyncRequiredException;
import io.fieldsync.order.ForeignKeyOrder;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.server.RowScope;
import io.fieldsync.server.ServerClock;
import io.fieldsync.server.TokenClaims;
import io.fieldsync.store.PullPage;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.store.SyncStore;
import io.fieldsync.wire.Packing;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.Record;
import java.util.ArrayList;
import java.util.List;

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
    if (request.hasPendingChanges() && request.getPendingChanges() < 0) {
      throw new ProtocolException(
          "pending_changes must not be negative, found " + request.getPendingChanges());
    }
    // A snapshot replaces the device's rows with what it delivers: it must deliver everything.
    Echo echo = request.getSnapshot() ? Echo.NONE : Echo.of(token.device(), request);
    int limit = request.getLimit() == 0 ? defaultLimit : Math.min(request.getLimit(), maxLimit);
    requireWithinHorizon(token, request);
    PullPage page = store.pull(token.tenant(), cursor, limit);
    requireNotAhead(cursor, page.sequence());
    long quietAbove = quietAbove(request);
    RowScope scope = RowScope.of(token, schema);
    Selection selection = new Selection();
    List<Outgoing> records = new ArrayList<>(page.records().size());
    long lastSeq = cursor;
    // A page's records come table by table, each naming its table with the same string.
    String lastName = null;
    Table table = null;
    for (StoredRecord stored : page.records()) {
      lastSeq = Math.max(lastSeq, stored.seq());
      if (stored.table() != lastName) {
        lastName = stored.table();
        table = schema.table(lastName);
      }
      boolean unseenTombstone =
          request.getSnapshot()
              && stored.deleted()
              && stored.seq() <= request.getSnapshotSequence();
      if (table == null || unseenTombstone || neverHeld(stored, quietAbove)) {
        continue;
      }
      Outgoing record;
      if (stored.deleted() || !scope.restricts(table)) {
        record = selection.select(table, stored, since, echo);
      } else if (scope.admits(table, stored)) {
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
            .setServerHlc(clock.now())
            .setSchemaVersion(schema.version());
    List<Outgoing> sorted = order.sort(records, Outgoing.FOREIGN_KEYS);
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

  /**
   * The sequence above which a record first created cannot be on the device: its cursor or what it
   * says it received otherwise ({@code held_through}), whichever is higher; -1 when the device does
   * not say, or takes a snapshot (which replaces its rows anyway).
   */
  private static long quietAbove(PullRequest request) {
    if (request.getSnapshot() || !request.hasHeldThrough()) {
      return -1;
    }
    if (request.getHeldThrough() < 0) {
      throw new ProtocolException(
          "held_through must not be negative, found " + request.getHeldThrough());
    }
    return Math.max(request.getCursor(), request.getHeldThrough());
  }

  /**
   * Whether a tombstone deletes a record the device cannot hold: created and deleted after
   * everything it received. It is left out, so a record that lived and died between two pulls costs
   * the device nothing.
   */
  private static boolean neverHeld(StoredRecord stored, long quietAbove) {
    return quietAbove >= 0 && stored.deleted() && stored.versions().getCreated() > quietAbove;
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

  /** The record as a pull sends it to a device holding it as of {@code since}; never null. */
  public static Record toWire(Table table, StoredRecord stored, long since) {
    return new Selection().select(table, stored, since, Echo.NONE).toRecord();
  }
}
