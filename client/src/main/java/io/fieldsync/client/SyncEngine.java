package io.fieldsync.client;

import com.google.protobuf.InvalidProtocolBufferException;
import io.fieldsync.ProtocolException;
import io.fieldsync.StorageException;
import io.fieldsync.client.Outbox.Pending;
import io.fieldsync.client.Outbox.RecordKey;
import io.fieldsync.order.ForeignKeyOrder;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.ConflictRule;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.ChangeResult;
import io.fieldsync.wire.ChangeStatus;
import io.fieldsync.wire.Field;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.Record;
import io.fieldsync.wire.SequenceRange;
import io.fieldsync.wire.Values;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.random.RandomGenerator;

/**
 * One device's sync cycle: push the outbox, then pull what the server has.
 *
 * <h2>Push, exactly once</h2>
 *
 * The outbox is consolidated up to a log id chosen so that the batch holds every row of each of its
 * records, at most {@code batchSize} records. Before anything is sent, the encoded request and that
 * log id are stored in {@code _fs_inflight}: if the response is lost (timeout, crash, cut
 * connection), the next attempt resends the stored request byte for byte, with the same batch id,
 * and the server answers with the outcome it recorded, so a counter increment is never applied
 * twice. The response is acknowledged in one local transaction: the log rows up to the batch's log
 * id go, the inflight row goes, the server clock is merged, refused changes are kept in {@code
 * _fs_rejected}, and every record the server returned is written back with capture off (pending
 * newer edits stay on top, see {@link Applier}).
 *
 * <h2>Pull</h2>
 *
 * Pages from the stored cursor until {@code has_more} is false; each page is applied, in
 * foreign-key order, in one local transaction together with its new cursor, so a crash leaves the
 * device at a page boundary and the page is simply fetched again.
 *
 * <p>Not thread-safe: the client runs one cycle at a time on its own connection.
 */
final class SyncEngine {
  /** System property: halt the JVM after this many rows of a pulled page (crash tests only). */
  static final String HALT_PROPERTY = "fieldsync.fault.haltAfterAppliedRows";

  /** Receives what a cycle finds, after the transaction that found it has committed. */
  interface Events extends Applier.ConflictSink {
    void rejected(RejectedChange change);
  }

  record Settings(int batchSize, int pullPageSize) {
    Settings {
      if (batchSize < 1) {
        throw new IllegalArgumentException("batchSize must be 1 or more, found " + batchSize);
      }
      if (pullPageSize < 1) {
        throw new IllegalArgumentException("pullPageSize must be 1 or more, found " + pullPageSize);
      }
    }
  }

  private final Connection connection;
  private final Transport transport;
  private final Clock clock;
  private final RandomGenerator random;
  private final Settings settings;
  private final Events events;
  private final String tenant;
  private Schema schema;
  private Applier applier;
  private ForeignKeyOrder order;

  private int pushed;
  private int applied;
  private int merged;
  private int rejected;
  private int parked;
  private int pulled;
  private int conflicts;

  SyncEngine(
      Connection connection,
      Schema schema,
      String tenant,
      Transport transport,
      Clock clock,
      RandomGenerator random,
      Settings settings,
      Events events) {
    this.connection = connection;
    this.tenant = tenant == null ? "" : tenant;
    this.transport = transport;
    this.clock = clock;
    this.random = random;
    this.settings = settings;
    this.events = events;
    useSchema(schema);
  }

  void useSchema(Schema schema) {
    this.schema = schema;
    if (applier != null) {
      applier.close();
    }
    this.applier = new Applier(schema);
    this.order = new ForeignKeyOrder(schema);
  }

  /** Push then pull. */
  SyncResult cycle() {
    long started = clock.millis();
    pushed = applied = merged = rejected = parked = pulled = conflicts = 0;
    push();
    long cursor = pull();
    return new SyncResult(
        pushed,
        applied,
        merged,
        rejected,
        parked,
        pulled,
        conflicts,
        cursor,
        Duration.ofMillis(Math.max(0, clock.millis() - started)));
  }

  /** Pushes batches until the outbox rows present at the start have all been acknowledged. */
  void push() {
    long upTo = read(Outbox::maxId);
    while (true) {
      Inflight inflight = read(SyncEngine::inflight);
      PushRequest request;
      long end;
      if (inflight != null) {
        end = inflight.maxLogId();
        try {
          request = PushRequest.parseFrom(inflight.request());
        } catch (InvalidProtocolBufferException e) {
          throw new StorageException(
              "inflight batch " + inflight.batchId() + " in _fs_inflight is corrupt", e);
        }
      } else {
        long batchEnd = read(c -> Outbox.batchEnd(c, upTo, settings.batchSize()));
        if (batchEnd == 0) {
          return;
        }
        end = batchEnd;
        request = prepare(end);
        if (request == null) {
          continue;
        }
      }
      PushResponse response = transport.push(request);
      if (!response.getBatchId().isEmpty() && !response.getBatchId().equals(request.getBatchId())) {
        throw new ProtocolException(
            "push of batch "
                + request.getBatchId()
                + " was answered for batch "
                + response.getBatchId());
      }
      acknowledge(request, end, response);
    }
  }

  record Inflight(String batchId, long maxLogId, byte[] request) {}

  /**
   * The server says this database is older than the device's history: batch numbers up to {@code
   * lastCommitted} are taken. The refused inflight batch never committed (a committed one is
   * answered by its recorded outcome first), so it is dropped and its log rows go out again in a
   * batch numbered after the server's.
   */
  void continueAfter(long lastCommitted) {
    LocalStore.transaction(
        connection,
        c -> {
          if (LocalStore.metaLong(c, LocalStore.META_DEVICE_BATCHES) < lastCommitted) {
            LocalStore.putMeta(c, LocalStore.META_DEVICE_BATCHES, lastCommitted);
          }
          execute(c, "DELETE FROM _fs_inflight");
          return null;
        });
  }

  private static Inflight inflight(Connection c) throws SQLException {
    try (PreparedStatement select =
            c.prepareStatement("SELECT batch_id, max_log_id, request FROM _fs_inflight");
        ResultSet rows = select.executeQuery()) {
      return rows.next()
          ? new Inflight(rows.getString(1), rows.getLong(2), rows.getBytes(3))
          : null;
    }
  }

  /**
   * Consolidates the log up to {@code end} and stores the batch as inflight; null when the rows
   * cancelled out (they are deleted).
   */
  private PushRequest prepare(long end) {
    return LocalStore.transaction(
        connection,
        c -> {
          Map<RecordKey, Pending> pending = Outbox.upTo(c, end);
          List<Change> changes = new ArrayList<>();
          for (Pending record : pending.values()) {
            Change change = record.toChange(schema.table(record.key.table()));
            if (change != null) {
              changes.add(change);
            }
          }
          if (changes.isEmpty()) {
            try (PreparedStatement delete =
                c.prepareStatement("DELETE FROM _fs_changelog WHERE id <= ?")) {
              delete.setLong(1, end);
              delete.executeUpdate();
            }
            return null;
          }
          long number = LocalStore.metaLong(c, LocalStore.META_DEVICE_BATCHES) + 1;
          LocalStore.putMeta(c, LocalStore.META_DEVICE_BATCHES, number);
          long newestStamp = 0;
          for (Pending record : pending.values()) {
            newestStamp = Math.max(newestStamp, record.hlc);
          }
          PushRequest.Builder request =
              PushRequest.newBuilder()
                  .setBatchId(batchId(number, newestStamp).toString())
                  .setDeviceBatch(number)
                  .setSchemaVersion(schema.version())
                  .addAllChanges(changes)
                  .setDeviceHlc(LocalStore.state(c).hlc());
          if (!tenant.isEmpty()) {
            request.setTenant(tenant);
          }
          PushRequest built = request.build();
          try (PreparedStatement insert =
              c.prepareStatement(
                  "INSERT INTO _fs_inflight (id, batch_id, max_log_id, request, created_at)"
                      + " VALUES (1, ?, ?, ?, ?)")) {
            insert.setString(1, built.getBatchId());
            insert.setLong(2, end);
            insert.setBytes(3, built.toByteArray());
            insert.setLong(4, clock.millis());
            insert.executeUpdate();
          }
          return built;
        });
  }

  /**
   * A version-4 UUID from the injected generator, mixed with the database's batch number (never
   * repeats in a database) and the batch's newest capture stamp (never repeats on a device, even in
   * a database restored from a backup), so even a fixed test seed cannot make a device reuse a
   * batch id and be answered with an old outcome.
   */
  private UUID batchId(long number, long stamp) {
    long high = ((random.nextLong() ^ stamp) & ~0xF000L) | 0x4000L;
    long low = ((random.nextLong() & 0xFFFF_0000_0000_0000L) ^ (number & 0x0000_FFFF_FFFF_FFFFL));
    low = (low & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
    return new UUID(high, low);
  }

  private void acknowledge(PushRequest request, long end, PushResponse response) {
    List<RejectedChange> refused = new ArrayList<>();
    List<String[]> found = new ArrayList<>();
    int[] counts = new int[5];
    LocalStore.transaction(
        connection,
        c -> {
          execute(c, "DELETE FROM _fs_changelog WHERE id <= ?", end);
          execute(c, "DELETE FROM _fs_inflight");
          execute(
              c,
              "UPDATE _fs_state SET hlc = MAX(hlc, ?), capture = 0 WHERE id = 1",
              response.getServerHlc());
          Outbox.PendingLog pendingKeys = Outbox.pendingKeys(c);
          Instant now = clock.instant();
          Set<Integer> answered = new HashSet<>();
          for (ChangeResult result : response.getResultsList()) {
            int index = result.getIndex();
            if (index < 0 || index >= request.getChangesCount()) {
              throw new ProtocolException(
                  "push response for batch "
                      + request.getBatchId()
                      + " names change "
                      + index
                      + ", but the batch has "
                      + request.getChangesCount());
            }
            Change change = request.getChanges(index);
            ChangeStatus status = result.getStatus();
            switch (status) {
              case APPLIED -> counts[0]++;
              case MERGED -> counts[1]++;
              case REJECTED -> {
                counts[2]++;
                refused.add(reject(c, request.getBatchId(), change, result.getReason(), now));
              }
              case PARKED -> {
                counts[3]++;
                ParkedEdits.record(c, change, result, response, now);
              }
              default -> {}
            }
            if (result.hasServerRecord()) {
              Record record = result.getServerRecord();
              if (record.getTable().isEmpty() || record.getRecordId().isEmpty()) {
                record =
                    record.toBuilder()
                        .setTable(change.getTable())
                        .setRecordId(change.getRecordId())
                        .build();
              }
              counts[4] +=
                  applier.apply(
                      c,
                      record,
                      pendingKeys,
                      (table, id, column) -> found.add(new String[] {table, id, column}));
            }
            answered.add(index);
          }
          for (int index = 0; index < request.getChangesCount(); index++) {
            if (!answered.contains(index)) {
              Record extremes = pushedExtremes(request.getChanges(index));
              if (extremes != null) {
                applier.apply(c, extremes, pendingKeys, (table, id, column) -> {});
              }
            }
          }
          if (response.hasWritten()) {
            // This database now holds what the batch wrote (its own values, or the server's
            // where they differ, just applied): pulls may leave those writes out.
            List<SequenceRange> writes = new ArrayList<>(ownWrites(c));
            writes.add(response.getWritten());
            storeOwnWrites(c, writes);
          }
          execute(c, "UPDATE _fs_state SET capture = 1 WHERE id = 1");
          return null;
        });
    pushed += request.getChangesCount();
    // The server lists no result for a change applied as sent: take the totals it reports (a
    // response recorded before that still lists them, and its totals agree).
    applied += Math.max(response.getApplied(), counts[0]);
    merged += Math.max(response.getMerged(), counts[1]);
    rejected += Math.max(response.getRejected(), counts[2]);
    parked += Math.max(response.getParked(), counts[3]);
    conflicts += counts[4];
    refused.forEach(events::rejected);
    found.forEach(item -> events.conflict(item[0], item[1], item[2]));
  }

  /**
   * The {@code max}/{@code min} fields of a change the server applied as sent, as a record to write
   * back: the device pushed the extreme of its pending writes, which may differ from the last value
   * its row shows. Null when the change has none.
   */
  private Record pushedExtremes(Change change) {
    Table table = schema.table(change.getTable());
    if (table == null || change.getOp() == Op.OP_DELETE) {
      return null;
    }
    Record.Builder record = null;
    for (FieldChange field : change.getFieldsList()) {
      Column column = table.column(field.getColumn());
      if (column == null) {
        continue;
      }
      ConflictRule rule = table.ruleFor(column);
      if (rule == ConflictRule.MAX || rule == ConflictRule.MIN) {
        if (record == null) {
          record = Record.newBuilder().setTable(table.name()).setRecordId(change.getRecordId());
        }
        record.addFields(
            Field.newBuilder()
                .setColumn(column.name())
                .setValue(field.getValue())
                .setHlc(field.getHlc()));
      }
    }
    return record == null ? null : record.build();
  }

  private static RejectedChange reject(
      Connection c, String batchId, Change change, String reason, Instant now) throws SQLException {
    String op =
        switch (change.getOp()) {
          case OP_INSERT -> "INSERT";
          case OP_DELETE -> "DELETE";
          default -> "UPDATE";
        };
    String values = valuesJson(change);
    String why = reason.isEmpty() ? "rejected by the server (no reason given)" : reason;
    try (PreparedStatement insert =
        c.prepareStatement(
            "INSERT INTO _fs_rejected (tbl, rid, op, vals, reason, batch_id, at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      insert.setString(1, change.getTable());
      insert.setString(2, change.getRecordId());
      insert.setString(3, op);
      insert.setString(4, values);
      insert.setString(5, why);
      insert.setString(6, batchId);
      insert.setLong(7, now.toEpochMilli());
      insert.executeUpdate();
    }
    long id;
    try (PreparedStatement select = c.prepareStatement("SELECT last_insert_rowid()");
        ResultSet rows = select.executeQuery()) {
      rows.next();
      id = rows.getLong(1);
    }
    return new RejectedChange(
        id, change.getTable(), change.getRecordId(), op, values, why, batchId, now);
  }

  /** The change's fields as a JSON object, for people reading {@code _fs_rejected}. */
  static String valuesJson(Change change) {
    StringBuilder json = new StringBuilder("{");
    for (FieldChange field : change.getFieldsList()) {
      if (json.length() > 1) {
        json.append(',');
      }
      appendString(json, field.getColumn());
      json.append(':');
      Object value = Values.fromWire(field.getValue());
      if (value == null) {
        json.append("null");
      } else if (value instanceof String text) {
        appendString(json, text);
      } else if (value instanceof Double number && (number.isNaN() || number.isInfinite())) {
        appendString(json, number.toString());
      } else {
        json.append(value);
      }
    }
    return json.append('}').toString();
  }

  private static void appendString(StringBuilder json, String text) {
    json.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> json.append("\\\"");
        case '\\' -> json.append("\\\\");
        case '\n' -> json.append("\\n");
        case '\r' -> json.append("\\r");
        case '\t' -> json.append("\\t");
        default -> {
          if (c < 0x20) {
            json.append(String.format("\\u%04x", (int) c));
          } else {
            json.append(c);
          }
        }
      }
    }
    json.append('"');
  }

  /** The most own-write ranges kept; dropping the oldest only means receiving those writes. */
  static final int MAX_OWN_WRITES = 64;

  /**
   * The {@code written} ranges of acknowledged pushes not yet pulled past, stored in {@code
   * _fs_meta} as {@code first-last} pairs separated by commas.
   */
  static List<SequenceRange> ownWrites(Connection c) throws SQLException {
    String text = LocalStore.metaText(c, LocalStore.META_OWN_WRITES);
    List<SequenceRange> ranges = new ArrayList<>();
    if (text == null || text.isEmpty()) {
      return ranges;
    }
    for (String pair : text.split(",")) {
      int dash = pair.indexOf('-');
      try {
        ranges.add(
            SequenceRange.newBuilder()
                .setFirst(Long.parseLong(pair.substring(0, dash)))
                .setLast(Long.parseLong(pair.substring(dash + 1)))
                .build());
      } catch (NumberFormatException | IndexOutOfBoundsException e) {
        throw new StorageException(
            "_fs_meta " + LocalStore.META_OWN_WRITES + " is corrupt: '" + text + "'", e);
      }
    }
    return ranges;
  }

  private static void storeOwnWrites(Connection c, List<SequenceRange> ranges) throws SQLException {
    StringBuilder text = new StringBuilder();
    for (SequenceRange range :
        ranges.subList(Math.max(0, ranges.size() - MAX_OWN_WRITES), ranges.size())) {
      if (text.length() > 0) {
        text.append(',');
      }
      text.append(range.getFirst()).append('-').append(range.getLast());
    }
    LocalStore.putMeta(c, LocalStore.META_OWN_WRITES, text.toString());
  }

  /**
   * Drops the ranges wholly at or below {@code since}: a pull never sends fields of those sequences
   * again.
   */
  private static void pruneOwnWrites(Connection c, long since) throws SQLException {
    List<SequenceRange> ranges = ownWrites(c);
    if (ranges.removeIf(range -> range.getLast() <= since)) {
      storeOwnWrites(c, ranges);
    }
  }

  /**
   * Pulls pages until the server has no more; returns the cursor reached. The next page is fetched
   * while the current one is applied (see {@link PageAhead}); page commits are not synced to disk
   * one by one (a page lost to a power cut is pulled again, see {@link LocalStore#relaxedSync}).
   */
  long pull() {
    long cursor = read(c -> LocalStore.state(c).cursor());
    // Pages after the first of a run start above records this database has not seen: their
    // fields must still come from the run's start, not from the page's cursor.
    long since = Math.min(cursor, read(c -> LocalStore.metaLong(c, LocalStore.META_PULL_SINCE)));
    List<SequenceRange> ownWrites = read(SyncEngine::ownWrites);
    try (LocalStore.RelaxedSync relaxed = LocalStore.relaxedSync(connection);
        PageAhead pages = new PageAhead(transport)) {
      PullResponse page = pages.take(pullRequest(cursor, since, ownWrites));
      while (true) {
        long next =
            page.getRecordsCount() == 0 && page.getNextCursor() == 0
                ? cursor
                : page.getNextCursor();
        boolean stuck = next == cursor && page.getRecordsCount() == 0;
        if (page.getHasMore() && !stuck) {
          pages.prefetch(pullRequest(next, since, ownWrites));
        }
        applyPage(page, next);
        pulled += page.getRecordsCount();
        if (!page.getHasMore()) {
          return next;
        }
        if (stuck) {
          throw new ProtocolException(
              "pull from cursor "
                  + cursor
                  + " said has_more but returned nothing and no new cursor");
        }
        cursor = next;
        page = pages.take(pullRequest(cursor, since, ownWrites));
      }
    }
  }

  /**
   * A pull from {@code cursor} of a run that began at {@code since}, naming the own-write ranges a
   * pull from there can still send.
   */
  private PullRequest pullRequest(long cursor, long since, List<SequenceRange> ownWrites) {
    PullRequest.Builder request =
        PullRequest.newBuilder()
            .setCursor(cursor)
            .setSince(since)
            .setLimit(settings.pullPageSize())
            .setSchemaVersion(schema.version());
    for (SequenceRange range : ownWrites) {
      if (range.getLast() > since) {
        request.addOwnWrites(range);
      }
    }
    return request.build();
  }

  private void applyPage(PullResponse page, long nextCursor) {
    int haltAfter = Integer.getInteger(HALT_PROPERTY, 0);
    List<String[]> found = new ArrayList<>();
    int pageConflicts =
        LocalStore.transaction(
            connection,
            c -> {
              execute(
                  c,
                  "UPDATE _fs_state SET hlc = MAX(hlc, ?), capture = 0 WHERE id = 1",
                  page.getServerHlc());
              Outbox.PendingLog pendingKeys = Outbox.pendingKeys(c);
              List<Record> records = order.sort(page.getRecordsList(), RECORDS);
              int written = 0;
              int total = 0;
              try {
                for (Record record : records) {
                  total +=
                      applier.stage(
                          c,
                          record,
                          pendingKeys,
                          (table, id, column) -> found.add(new String[] {table, id, column}));
                  written++;
                  if (haltAfter > 0 && written >= haltAfter) {
                    // Test hook: die like a killed process, mid-transaction, without cleanup.
                    applier.flush();
                    Runtime.getRuntime().halt(77);
                  }
                }
                applier.flush();
              } finally {
                applier.discard();
              }
              ParkedEdits.settle(c, records);
              if (!page.getHasMore()) {
                // The run is over: every record is whole up to its end.
                LocalStore.putMeta(c, LocalStore.META_PULL_SINCE, nextCursor);
                pruneOwnWrites(c, nextCursor);
              }
              execute(c, "UPDATE _fs_state SET cursor = ?, capture = 1 WHERE id = 1", nextCursor);
              return total;
            });
    conflicts += pageConflicts;
    found.forEach(item -> events.conflict(item[0], item[1], item[2]));
  }

  /** How the foreign-key order reads a pulled record (shared with {@link Snapshot}). */
  static ForeignKeyOrder.Adapter<Record> recordAdapter() {
    return RECORDS;
  }

  private static final ForeignKeyOrder.Adapter<Record> RECORDS =
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
          return item.getDeleted() || item.getAbsent();
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

  private <T> T read(LocalStore.Work<T> work) {
    try {
      return work.run(connection);
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
