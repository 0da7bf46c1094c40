package io.fieldsync.client.internal.apply;

import io.fieldsync.ProtocolException;
import io.fieldsync.client.FaultInjector;
import io.fieldsync.client.internal.outbox.Outbox;
import io.fieldsync.client.internal.state.DeviceDatabase;
import io.fieldsync.client.internal.state.DeviceState;
import io.fieldsync.client.internal.state.Jdbc;
import io.fieldsync.client.internal.state.WriteRange;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.order.ForeignKeyOrder;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PulledPage;
import io.fieldsync.wire.SequenceRange;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Pulls pages from the stored cursor until {@code has_more} is false. Each page is applied, in
 * foreign-key order, in one local transaction together with its new cursor, so a crash leaves the
 * device at a page boundary and the page is simply fetched again. The next page is fetched while
 * the current one is applied (see {@link PageAhead}); page commits are not synced to disk one by
 * one (a page lost to a power cut is pulled again, see {@link DeviceDatabase#relaxedSync}).
 *
 * <p>Not thread-safe: the engine pulls on its own connection, one cycle at a time.
 */
public final class Puller {
  /**
   * Pages of at least this many records are written with the capture triggers taken out (see {@link
   * CapturePause}). Measured on the survey data set: at 5,000 records a page the device's apply
   * takes about a fifth less CPU; at 1,000 the schema change costs what it saves.
   */
  static final int PAUSE_CAPTURE_FROM = 2000;

  /** What a pull did. */
  public record Outcome(long cursor, int pulled, int conflicts) {}

  /** Hears each page applied, after its transaction committed. */
  public interface Progress {
    Progress NONE = (page, records, start, next) -> {};

    /**
     * @param page the page (its records may still be packed)
     * @param records the page's records
     * @param start the cursor this pull began at
     * @param next the cursor the page moved the device to
     */
    void applied(PullResponse page, PulledPage records, long start, long next);
  }

  /** A page as fetched, and its records read on the fetching thread. */
  private record Page(PullResponse response, PulledPage records) {
    static Page of(PullResponse response) {
      return new Page(response, PulledPage.of(response));
    }
  }

  private final DeviceDatabase database;
  private final Transport transport;
  private final Applier applier;
  private final ForeignKeyOrder order;
  private final Schema schema;
  private final int pageSize;
  private final Applier.ConflictSink events;
  private final FaultInjector faults;

  public Puller(
      DeviceDatabase database,
      Schema schema,
      Applier applier,
      Transport transport,
      int pageSize,
      Applier.ConflictSink events,
      FaultInjector faults) {
    this.database = database;
    this.schema = schema;
    this.applier = applier;
    this.order = new ForeignKeyOrder(schema);
    this.transport = transport;
    this.pageSize = pageSize;
    this.events = events;
    this.faults = faults;
  }

  /** Pulls until the server has no more; returns the cursor reached and the counts. */
  public Outcome pull() {
    return pull(Progress.NONE);
  }

  /** {@link #pull()}, telling {@code progress} of each page applied. */
  public Outcome pull(Progress progress) {
    DeviceState state = database.state();
    long cursor = database.read(c -> state.cursor());
    long start = cursor;
    // Pages after the first of a run start above records this database has not seen: their
    // fields must still come from the run's start, not from the page's cursor.
    long since = Math.min(cursor, database.read(c -> state.pullSince()));
    List<WriteRange> ownWrites = database.read(c -> state.ownWrites());
    // Told to the server for its admin console: how much this device still has to push.
    long pending = database.read(c -> new Jdbc(c).count("_fs_changelog"));
    long heldThrough = database.read(c -> state.heldThrough());
    int pulled = 0;
    int conflicts = 0;
    try (DeviceDatabase.RelaxedSync relaxed = database.relaxedSync();
        PageAhead<Page> pages =
            new PageAhead<>(transport, request -> Page.of(transport.pullPacked(request)))) {
      Page fetched = pages.take(request(cursor, since, ownWrites, heldThrough, pending));
      while (true) {
        PullResponse page = fetched.response();
        PulledPage records = fetched.records();
        long next =
            records.size() == 0 && page.getNextCursor() == 0 ? cursor : page.getNextCursor();
        boolean stuck = next == cursor && records.size() == 0;
        if (page.getHasMore() && !stuck) {
          pages.prefetch(request(next, since, ownWrites, heldThrough, pending));
        }
        conflicts += apply(page, records, next, since > 0);
        pulled += records.size();
        progress.applied(page, records, start, next);
        if (!page.getHasMore()) {
          return new Outcome(next, pulled, conflicts);
        }
        if (stuck) {
          throw new ProtocolException(
              "pull from cursor "
                  + cursor
                  + " said has_more but returned nothing and no new cursor");
        }
        cursor = next;
        fetched = pages.take(request(cursor, since, ownWrites, heldThrough, pending));
      }
    }
  }

  /**
   * A pull from {@code cursor} of a run that began at {@code since}, naming the own-write ranges a
   * pull from there can still send and the highest sequence it received outside its pages.
   */
  private PullRequest request(
      long cursor, long since, List<WriteRange> ownWrites, long heldThrough, long pending) {
    PullRequest.Builder request =
        PullRequest.newBuilder()
            .setCursor(cursor)
            .setSince(since)
            .setHeldThrough(heldThrough)
            .setLimit(pageSize)
            .setSchemaVersion(schema.version())
            .setPendingChanges(pending);
    for (WriteRange range : ownWrites) {
      if (range.last() > since) {
        request.addOwnWrites(
            SequenceRange.newBuilder().setFirst(range.first()).setLast(range.last()));
      }
    }
    return request.build();
  }

  private int apply(PullResponse page, PulledPage records, long nextCursor, boolean heldBefore) {
    if (page.getSchemaVersion() > schema.version()) {
      throw NewerSchemaException.page(page.getSchemaVersion(), schema.version(), nextCursor);
    }
    List<Conflict> found = new ArrayList<>();
    int pageConflicts =
        database.transaction(
            c -> {
              DeviceState state = database.state();
              state.captureOff(page.getServerHlc());
              int total = records.size() == 0 ? 0 : applyRecords(c, records, heldBefore, found);
              if (!page.getHasMore()) {
                // The run is over: every record is whole up to its end.
                state.storePullSince(nextCursor);
                pruneOwnWrites(state, nextCursor);
              }
              state.captureOn(nextCursor);
              return total;
            });
    found.forEach(item -> events.conflict(item.table(), item.recordId(), item.column()));
    return pageConflicts;
  }

  /**
   * Writes the page's records, in foreign-key order; returns the conflicts found.
   *
   * @param heldBefore whether the run began above cursor 0, so that its records may update rows
   *     pulled before
   */
  private int applyRecords(
      Connection c, PulledPage records, boolean heldBefore, List<Conflict> found)
      throws SQLException {
    Outbox.PendingLog pendingKeys = Outbox.pendingKeys(c);
    List<Integer> sorted = PageOrder.sorted(order, records);
    CapturePause paused =
        records.size() >= PAUSE_CAPTURE_FROM
            ? CapturePause.of(c, tablesOf(records), heldBefore, anyDelete(records))
            : null;
    int written = 0;
    int total = 0;
    try {
      for (int record : sorted) {
        total +=
            applier.stage(
                c,
                records,
                record,
                pendingKeys,
                (table, id, column) -> found.add(new Conflict(table, id, column)));
        written++;
        if (faults != FaultInjector.NONE) {
          applier.flush();
          faults.afterAppliedRow(written);
        }
      }
      applier.flush();
    } finally {
      applier.discard();
    }
    ParkedEdits.settle(c, records, sorted);
    if (paused != null) {
      paused.restore();
    }
    return total;
  }

  private static boolean anyDelete(PulledPage records) {
    for (int i = 0; i < records.size(); i++) {
      if (records.deleted(i) || records.absent(i)) {
        return true;
      }
    }
    return false;
  }

  /** The schema's tables that {@code records} write. */
  private Collection<Table> tablesOf(PulledPage records) {
    Map<String, Table> tables = new LinkedHashMap<>();
    for (int i = 0; i < records.size(); i++) {
      String name = records.table(i);
      if (!tables.containsKey(name)) {
        Table table = schema.table(name);
        tables.put(name, table);
      }
    }
    tables.values().removeIf(Objects::isNull);
    return tables.values();
  }

  /**
   * Drops the ranges wholly at or below {@code since}: a pull never sends fields of those sequences
   * again.
   */
  private static void pruneOwnWrites(DeviceState state, long since) throws java.sql.SQLException {
    List<WriteRange> ranges = state.ownWrites();
    if (ranges.removeIf(range -> range.last() <= since)) {
      state.storeOwnWrites(ranges);
    }
  }
}
