package io.fieldsync.client.internal.outbox;

import io.fieldsync.ProtocolException;
import io.fieldsync.client.ConflictExplanation;
import io.fieldsync.client.RejectedChange;
import io.fieldsync.client.internal.apply.Applier;
import io.fieldsync.client.internal.apply.Conflict;
import io.fieldsync.client.internal.apply.ParkedEdits;
import io.fieldsync.client.internal.state.DeviceDatabase;
import io.fieldsync.client.internal.state.DeviceState;
import io.fieldsync.client.internal.state.Jdbc;
import io.fieldsync.client.internal.state.WriteRange;
import io.fieldsync.client.transport.EncodedPush;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.ConflictRule;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.ChangeResult;
import io.fieldsync.wire.Field;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.Record;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Pushes the outbox, exactly once.
 *
 * <p>The outbox is consolidated up to a log id chosen so that the batch holds every row of each of
 * its records, at most {@code batchSize} records, and encoded for the wire once. Before anything is
 * sent, that body and log id are stored in {@code _fs_inflight}: if the response is lost (timeout,
 * crash, cut connection), the next attempt sends the stored body again byte for byte, with the same
 * batch id, and the server answers with the outcome it recorded, so a counter increment is never
 * applied twice. The response is acknowledged in one local transaction: the log rows up to the
 * batch's log id go, the inflight row goes, the server clock is merged, refused changes are kept in
 * {@code _fs_rejected}, and every record the server returned is written back with capture off
 * (pending newer edits stay on top, see {@link Applier}).
 *
 * <p>While the server works on a batch, a helper thread, which has the engine's connection to
 * itself until the response is in, acknowledges the batch answered before it and then makes the
 * next one (consolidated, numbered after it and encoded). Making only reads: the log rows a batch
 * covers were all present when the push began and only an acknowledgement removes any. When the
 * answer comes and the next batch is ready, one transaction keeps the answer in {@code
 * _fs_answered} and stores the next batch as inflight in place of the answered one (only if its
 * number is still the next one), and the next batch goes out at once; the answer is acknowledged by
 * the helper meanwhile, and before the next answer is. A push that stops before that
 * acknowledgement committed makes it first when it starts again, from the stored answer. The last
 * batch, and a batch whose next one is not ready, are acknowledged in line.
 *
 * <p>Not thread-safe: the engine pushes on its own connection, one cycle at a time.
 */
public final class Pusher {
  /**
   * Most bytes of log keys and JSON per batch, a quarter of the server's default body limit (16
   * MiB): a batch of large values stays well within it whatever the record count.
   */
  static final long MAX_BATCH_LOG_BYTES = 4L * 1024 * 1024;

  /**
   * Most records in the first batch a push makes; each next one may hold twice as many, up to the
   * batch size: the server starts on a small batch soon, and each batch is made while the server
   * works on one about half its size.
   */
  static final int FIRST_BATCH_RECORDS = 1000;

  /** Receives what an acknowledgement found, after its transaction committed. */
  public interface Events extends Applier.ConflictSink {
    void rejected(RejectedChange change);

    /** A pushed field or record the server did not take as sent, explained. */
    default void explained(ConflictExplanation explanation) {}
  }

  /** Hears each batch acknowledged, after its transaction committed. */
  public interface Progress {
    Progress NONE = (request, end, upTo, writtenBack) -> {};

    /**
     * @param request the batch
     * @param end the batch's last log id
     * @param upTo the last log id this push sends
     * @param writtenBack the server records the acknowledgement wrote into local rows
     */
    void acknowledged(PushRequest request, long end, long upTo, List<Record> writtenBack);
  }

  /** What a push did, summed over its batches. */
  public record Outcome(
      int pushed, int applied, int merged, int rejected, int parked, int conflicts) {
    static final Outcome NONE = new Outcome(0, 0, 0, 0, 0, 0);

    Outcome plus(Outcome other) {
      return new Outcome(
          pushed + other.pushed,
          applied + other.applied,
          merged + other.merged,
          rejected + other.rejected,
          parked + other.parked,
          conflicts + other.conflicts);
    }
  }

  private final DeviceDatabase database;
  private final Schema schema;
  private final Applier applier;
  private final Transport transport;
  private final Clock clock;
  private final int batchSize;
  private final BatchMaker batches;
  private final Events events;
  private final Map<String, Set<String>> writtenBackColumns;

  public Pusher(
      DeviceDatabase database,
      Schema schema,
      Applier applier,
      Transport transport,
      Clock clock,
      Random random,
      String tenant,
      int batchSize,
      Events events) {
    this.database = database;
    this.schema = schema;
    this.applier = applier;
    this.transport = transport;
    this.clock = clock;
    this.batchSize = batchSize;
    this.batches = new BatchMaker(clock, random, tenant);
    this.events = events;
    this.writtenBackColumns = writtenBackColumns(schema);
  }

  /** Pushes batches until the outbox rows present at the start have all been acknowledged. */
  public Outcome push() {
    return push(Progress.NONE, () -> {});
  }

  /**
   * {@link #push()}, telling {@code progress} of each batch acknowledged and running {@code
   * beforeSending} before each batch is stored or sent: the first batch is made meanwhile, and a
   * {@code beforeSending} that throws leaves nothing stored or sent.
   */
  public Outcome push(Progress progress, Runnable beforeSending) {
    long upTo = database.read(Outbox::maxId);
    LogKeyIndex logKeys = new LogKeyIndex();
    Outcome total = Outcome.NONE;
    AnsweredBatch stored = database.read(AnsweredBatch::read);
    if (stored != null && !stored.stillLogged()) {
      // Its log rows were acknowledged without it (by a library that did not know the table).
      database.transaction(
          c -> {
            AnsweredBatch.clear(c);
            return null;
          });
      stored = null;
    }
    if (stored != null) {
      total =
          total.plus(
              report(
                  acknowledge(
                      stored.pushRequest(),
                      stored.maxLogId(),
                      stored.pushResponse(),
                      logKeys,
                      true),
                  upTo,
                  progress));
    }
    BatchMaker.Prepared next = null;
    Stored sending = null;
    Stored answered = null;
    PushResponse answer = null;
    int made = 0;
    ExecutorService ahead = null;
    try {
      while (true) {
        EncodedPush push;
        long end;
        if (sending != null) {
          end = sending.end();
          push = sending.push();
          sending = null;
        } else {
          InflightBatch inflight = database.read(InflightBatch::read);
          if (inflight != null) {
            beforeSending.run();
            end = inflight.maxLogId();
            push = inflight.push();
          } else {
            int records = records(made);
            BatchMaker.Prepared batch =
                next != null ? next : database.read(c -> prepare(c, 0, upTo, records));
            made = next != null ? made : made + 1;
            next = null;
            if (batch == null) {
              return total;
            }
            beforeSending.run();
            if (!database.transaction(c -> batches.store(c, batch)) || batch.push() == null) {
              continue;
            }
            end = batch.end();
            push = batch.push();
          }
        }
        Future<Ahead> following = null;
        if (end < upTo || answered != null) {
          if (ahead == null) {
            ahead = Executors.newSingleThreadExecutor(Pusher::aheadThread);
          }
          Stored previous = answered;
          PushResponse previousAnswer = answer;
          long after = end < upTo ? end : -1;
          int records = records(made);
          made += after < 0 ? 0 : 1;
          following =
              ahead.submit(() -> ahead(previous, previousAnswer, after, upTo, records, logKeys));
        }
        answered = null;
        answer = null;
        PushResponse response;
        Ahead done;
        try {
          response = transport.push(push);
        } catch (RuntimeException | Error e) {
          done = await(following);
          if (done != null && done.failure() != null) {
            e.addSuppressed(done.failure());
          } else if (done != null && done.acknowledged() != null) {
            report(done.acknowledged(), upTo, progress);
          }
          throw e;
        }
        done = await(following);
        if (done != null) {
          if (done.failure() != null) {
            throw done.failure();
          }
          if (done.acknowledged() != null) {
            total = total.plus(report(done.acknowledged(), upTo, progress));
          }
          next = done.next();
        }
        PushRequest request = push.request();
        if (!response.getBatchId().isEmpty()
            && !response.getBatchId().equals(request.getBatchId())) {
          throw new ProtocolException(
              "push of batch "
                  + request.getBatchId()
                  + " was answered for batch "
                  + response.getBatchId());
        }
        boolean overlap = next != null && next.push() != null;
        if (overlap) {
          try {
            beforeSending.run();
          } catch (RuntimeException | Error e) {
            report(acknowledge(request, end, response, logKeys, false), upTo, progress);
            throw e;
          }
        }
        if (overlap && overlaps(next, push, end, response)) {
          answered = new Stored(push, end);
          answer = response;
          sending = new Stored(next.push(), next.end());
          next = null;
          continue;
        }
        total =
            total.plus(report(acknowledge(request, end, response, logKeys, false), upTo, progress));
      }
    } finally {
      if (ahead != null) {
        ahead.shutdown();
      }
    }
  }

  /**
   * Stores the answered batch for its acknowledgement and the next batch as inflight in place of
   * it, in one transaction, so the next batch goes out while the helper acknowledges this one.
   * False, storing nothing, when the next batch's number is no longer the next one.
   */
  private boolean overlaps(
      BatchMaker.Prepared next, EncodedPush answered, long end, PushResponse response) {
    return database.transaction(
        c -> {
          if (database.state().deviceBatches() + 1 != next.number()) {
            return false;
          }
          InflightBatch.clear(c);
          AnsweredBatch.store(c, answered, end, response);
          if (!batches.store(c, next)) {
            // Checked above in this transaction: rolling back keeps the answered batch inflight.
            throw new IllegalStateException(
                "batch " + next.number() + " was the next one and then refused");
          }
          return true;
        });
  }

  /** Most records of the batch made after {@code made} others in one push. */
  private int records(int made) {
    return (int) Math.min(batchSize, (long) FIRST_BATCH_RECORDS << Math.min(made, 20));
  }

  /** A batch stored in this database: as inflight, or answered. */
  private record Stored(EncodedPush push, long end) {}

  /**
   * What the helper did while a batch was out: the acknowledgement of the batch before it (null
   * when there was none to make, {@code failure} when it failed) and the batch after it (null when
   * there is none or making it failed: it is then made in line).
   */
  private record Ahead(
      Acknowledged acknowledged, RuntimeException failure, BatchMaker.Prepared next) {}

  /**
   * The helper's work while a batch is out: acknowledges the batch answered before it, then makes
   * the batch after log id {@code after} (none when {@code after} is negative).
   */
  private Ahead ahead(
      Stored answered,
      PushResponse response,
      long after,
      long upTo,
      int records,
      LogKeyIndex logKeys) {
    Acknowledged acknowledged = null;
    if (answered != null) {
      try {
        acknowledged =
            acknowledge(answered.push().request(), answered.end(), response, logKeys, true);
      } catch (RuntimeException e) {
        return new Ahead(null, e, null);
      }
    }
    BatchMaker.Prepared next = null;
    if (after >= 0) {
      try {
        next = database.read(c -> prepare(c, after, upTo, records));
      } catch (RuntimeException e) {
        next = null;
      }
    }
    return new Ahead(acknowledged, null, next);
  }

  /**
   * The next batch after log id {@code after}, made ready to send; null when nothing is pending.
   */
  private BatchMaker.Prepared prepare(Connection c, long after, long upTo, int records)
      throws SQLException {
    long batchEnd = Outbox.batchEnd(c, after, upTo, records, MAX_BATCH_LOG_BYTES);
    return batchEnd == 0 ? null : batches.prepare(c, schema, after, batchEnd);
  }

  /**
   * What the helper did while the request was out, once it is done with the connection (waited for
   * even when the push failed, so the connection has one user at a time); null when there was no
   * helper.
   */
  private static Ahead await(Future<Ahead> following) {
    if (following == null) {
      return null;
    }
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return following.get();
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          if (e.getCause() instanceof Error error) {
            throw error;
          }
          throw new IllegalStateException("push helper failed", e.getCause());
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static Thread aheadThread(Runnable task) {
    Thread thread = new Thread(task, "fieldsync-push-ahead");
    thread.setDaemon(true);
    return thread;
  }

  /**
   * The server says this database is older than the device's history: batch numbers up to {@code
   * lastCommitted} are taken. The refused inflight batch never committed (a committed one is
   * answered by its recorded outcome first), so it is dropped and its log rows go out again in a
   * batch numbered after the server's.
   */
  public void continueAfter(long lastCommitted) {
    database.transaction(
        c -> {
          DeviceState state = database.state();
          if (state.deviceBatches() < lastCommitted) {
            state.storeDeviceBatches(lastCommitted);
          }
          InflightBatch.clear(c);
          return null;
        });
  }

  /** The highest sequence of a record the answer puts in this database. */
  private static long heldThrough(PushResponse response, List<Record> serverRecords) {
    long held = response.hasWritten() ? response.getWritten().getLast() : 0;
    for (Record record : serverRecords) {
      held = Math.max(held, record.getSeq());
    }
    return held;
  }

  /**
   * What one acknowledgement committed, for its events and progress to be told on the push's
   * thread.
   */
  private record Acknowledged(
      PushRequest request,
      long end,
      Outcome outcome,
      List<RejectedChange> refused,
      List<ConflictExplanation> explained,
      List<Conflict> found,
      List<Record> writtenBack) {}

  /** Tells the events and the progress of an acknowledgement; returns its outcome. */
  private Outcome report(Acknowledged acknowledged, long upTo, Progress progress) {
    acknowledged.refused().forEach(events::rejected);
    acknowledged.explained().forEach(events::explained);
    acknowledged
        .found()
        .forEach(item -> events.conflict(item.table(), item.recordId(), item.column()));
    progress.acknowledged(
        acknowledged.request(), acknowledged.end(), upTo, acknowledged.writtenBack());
    return acknowledged.outcome();
  }

  /**
   * Acknowledges the batch in one transaction, which also removes it from {@code _fs_answered} when
   * {@code answered}, or from {@code _fs_inflight} otherwise.
   */
  private Acknowledged acknowledge(
      PushRequest request, long end, PushResponse response, LogKeyIndex logKeys, boolean answered) {
    List<Record> writtenBack = new ArrayList<>();
    List<RejectedChange> refused = new ArrayList<>();
    List<Conflict> found = new ArrayList<>();
    List<ConflictExplanation> explained = new ArrayList<>();
    ConflictReports reports = new ConflictReports(schema);
    int[] counts = new int[5];
    database.transaction(
        c -> {
          DeviceState state = database.state();
          new Jdbc(c).update("DELETE FROM _fs_changelog WHERE id <= ?", end);
          if (answered) {
            AnsweredBatch.clear(c);
          } else {
            InflightBatch.clear(c);
          }
          state.captureOff(response.getServerHlc());
          RejectedLog rejectedLog = new RejectedLog(c);
          Instant now = clock.instant();
          List<Record> serverRecords = new ArrayList<>();
          Set<Integer> listed = new HashSet<>();
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
            List<ConflictExplanation> why = reports.explain(change, result);
            explained.addAll(why);
            switch (result.getStatus()) {
              case APPLIED -> counts[0]++;
              case MERGED -> counts[1]++;
              case REJECTED -> {
                counts[2]++;
                refused.add(
                    rejectedLog.add(request.getBatchId(), change, result.getReason(), why, now));
              }
              case PARKED -> {
                counts[3]++;
                ParkedEdits.record(c, change, result, response, why, now);
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
              serverRecords.add(record);
            }
            listed.add(index);
          }
          List<Record> extremes = new ArrayList<>();
          for (int index = 0; index < request.getChangesCount(); index++) {
            if (!listed.contains(index)) {
              Record record = pushedExtremes(request.getChanges(index));
              if (record != null) {
                extremes.add(record);
              }
            }
          }
          Outbox.PendingLog pendingKeys = pendingKeys(c, end, logKeys, serverRecords, extremes);
          for (Record record : serverRecords) {
            counts[4] +=
                applier.apply(
                    c,
                    record,
                    pendingKeys,
                    (table, id, column) -> found.add(new Conflict(table, id, column)));
          }
          for (Record record : extremes) {
            applier.stage(c, record, pendingKeys, (table, id, column) -> {});
          }
          applier.flush();
          writtenBack.addAll(serverRecords);
          writtenBack.addAll(extremes);
          state.raiseHeldThrough(heldThrough(response, serverRecords));
          if (!response.getVerifyReason().isEmpty()) {
            state.storeVerifyRequested(response.getVerifyReason());
          }
          if (response.hasWritten()) {
            // This database now holds what the batch wrote (its own values, or the server's
            // where they differ, just applied): pulls may leave those writes out.
            state.addOwnWrite(
                new WriteRange(response.getWritten().getFirst(), response.getWritten().getLast()));
          }
          if (continuesCursor(request, response, state)) {
            long last = response.getWritten().getLast();
            state.storePullSince(last);
            state.captureOn(last);
          } else {
            state.captureOn();
          }
          return null;
        });
    // The server lists no result for a change applied as sent: take the totals it reports (a
    // response recorded before that still lists them, and its totals agree).
    Outcome outcome =
        new Outcome(
            request.getChangesCount(),
            Math.max(response.getApplied(), counts[0]),
            Math.max(response.getMerged(), counts[1]),
            Math.max(response.getRejected(), counts[2]),
            Math.max(response.getParked(), counts[3]),
            counts[4]);
    return new Acknowledged(request, end, outcome, refused, explained, found, writtenBack);
  }

  /**
   * Whether the batch's writes directly follow what this database has pulled, so that its cursor
   * may move over them: the device holds every record whole up to its cursor (its last run of pages
   * ended there), the batch's range begins right after it, and every sequence in the range is one
   * of the batch's changes, applied exactly as sent and none a delete (a delete's cascade gives
   * other records sequences in the range). A pull from the cursor would then send nothing of the
   * range: every field in it is this device's own write, which it holds.
   */
  private static boolean continuesCursor(
      PushRequest request, PushResponse response, DeviceState state) throws SQLException {
    if (!response.hasWritten()
        || response.getResultsCount() != 0
        || response.getApplied() != request.getChangesCount()) {
      return false;
    }
    long first = response.getWritten().getFirst();
    long last = response.getWritten().getLast();
    if (first < 1 || last - first + 1 != request.getChangesCount()) {
      return false;
    }
    for (Change change : request.getChangesList()) {
      if (change.getOp() == Op.OP_DELETE) {
        return false;
      }
    }
    long cursor = state.cursor();
    return cursor == first - 1 && state.pullSince() == cursor;
  }

  /**
   * Where the log rows of the records about to be written back are: the rows still in the log were
   * captured after the batch was made, or belong to later batches, and only the records written
   * back need theirs.
   */
  private static Outbox.PendingLog pendingKeys(
      Connection connection,
      long end,
      LogKeyIndex logKeys,
      List<Record> serverRecords,
      List<Record> extremes)
      throws SQLException {
    if (serverRecords.isEmpty() && extremes.isEmpty()) {
      return Outbox.PendingLog.NONE;
    }
    Set<Outbox.RecordKey> keys = new HashSet<>();
    for (List<Record> records : List.of(serverRecords, extremes)) {
      for (Record record : records) {
        keys.add(new Outbox.RecordKey(record.getTable(), record.getRecordId()));
      }
    }
    return logKeys.pendingAfter(connection, end, keys);
  }

  /**
   * The fields of a change the server applied as sent whose value the row may not show, as a record
   * to write back: for {@code max}/{@code min} the device pushed the extreme of its pending writes,
   * which may differ from the last value its row shows; a {@code server_wins} or {@code manual}
   * edit may have been hidden under a server record written back from an earlier batch (the device
   * judges it concurrent by the record's sequence, the server by the field's). Null when the change
   * has none.
   */
  private Record pushedExtremes(Change change) {
    Set<String> columns = writtenBackColumns.get(change.getTable());
    if (columns == null || change.getOp() == Op.OP_DELETE) {
      return null;
    }
    Record.Builder record = null;
    for (FieldChange field : change.getFieldsList()) {
      if (columns.contains(field.getColumn())) {
        if (record == null) {
          record =
              Record.newBuilder().setTable(change.getTable()).setRecordId(change.getRecordId());
        }
        record.addFields(
            Field.newBuilder()
                .setColumn(field.getColumn())
                .setValue(field.getValue())
                .setHlc(field.getHlc()));
      }
    }
    return record == null ? null : record.build();
  }

  /**
   * Per table with any, the columns whose pushed value is written back when the server applied it
   * as sent ({@link #pushedExtremes}): those under {@code max}, {@code min}, {@code server_wins} or
   * {@code manual}.
   */
  private static Map<String, Set<String>> writtenBackColumns(Schema schema) {
    Map<String, Set<String>> result = new HashMap<>();
    for (Table table : schema.tables().values()) {
      Set<String> columns = new HashSet<>();
      for (Column column : table.columns().values()) {
        ConflictRule rule = table.ruleFor(column);
        if (rule == ConflictRule.MAX
            || rule == ConflictRule.MIN
            || rule == ConflictRule.SERVER_WINS
            || rule == ConflictRule.MANUAL) {
          columns.add(column.name());
        }
      }
      if (!columns.isEmpty()) {
        result.put(table.name(), columns);
      }
    }
    return result;
  }
}
