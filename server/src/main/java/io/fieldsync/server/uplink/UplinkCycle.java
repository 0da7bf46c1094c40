package io.fieldsync.server.uplink;

import com.google.protobuf.InvalidProtocolBufferException;
import io.fieldsync.ConfigException;
import io.fieldsync.ResyncRequiredException;
import io.fieldsync.StorageException;
import io.fieldsync.client.transport.EncodedPush;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.WriteTransaction;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.ChangeResult;
import io.fieldsync.wire.ChangeStatus;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.Record;
import io.fieldsync.wire.Values;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sync of the regional store of one tenant with the upstream: the batch in flight first (sent
 * again as it was kept), then what this server's devices wrote, batch by batch, then the upstream's
 * pages. A pull the upstream answers with {@code 410 resync_required} starts a resync ({@link
 * UplinkResync}), which a later cycle continues if it stops; pushes wait until it ends. Every step
 * that changes the store also moves the {@link UplinkState} in the same transaction. Not
 * thread-safe: the {@link Uplink} runs one at a time.
 */
final class UplinkCycle {
  private static final Logger log = LoggerFactory.getLogger(UplinkCycle.class);

  private final SyncStore store;
  private final Schema schema;
  private final String tenant;
  private final Transport upstream;
  private final UplinkMeters meters;
  private final int pageSize;
  private final Upward upward;
  private final Downward downward;
  private final UplinkResync resync;

  /**
   * @param pageSize records per pull page asked of the upstream
   * @param resyncProgress hears how many records a resync in progress has read
   */
  UplinkCycle(
      SyncStore store,
      Schema schema,
      String tenant,
      Transport upstream,
      UplinkMeters meters,
      int pageSize,
      LongConsumer resyncProgress) {
    this.store = store;
    this.schema = schema;
    this.tenant = tenant;
    this.upstream = upstream;
    this.meters = meters;
    this.pageSize = pageSize;
    this.upward = new Upward(store, schema, tenant);
    this.downward = new Downward(schema);
    this.resync = new UplinkResync(store, schema, tenant, upstream, pageSize, resyncProgress);
  }

  String tenant() {
    return tenant;
  }

  /** The tenant's state, created (with a new instance id) the first time. */
  UplinkState state(String instance) {
    return store.write(
        tenant,
        transaction -> {
          UplinkState state = UplinkState.read(transaction);
          if (state == null) {
            state = UplinkState.fresh(instance);
            state.save(transaction);
          }
          return state;
        });
  }

  /** What one {@link #run} moved. */
  record Moved(int pushed, long pulled, UplinkState state) {}

  Moved run(UplinkState start) {
    UplinkState state = start;
    int[] pushed = {0};
    if (state.inflight() != null) {
      pushed[0] += countOf(state.inflight());
      state = send(state);
    }
    long[] pulled = {0};
    if (state.resync() == null) {
      state = pushAll(state, pushed);
      try {
        state = pullAll(state, pulled);
      } catch (ResyncRequiredException e) {
        meters.resyncStarted();
        state = resync.start(e);
      }
    }
    if (state.resync() != null) {
      // Nothing goes up during a resync: a record pushed then could be taken for one the
      // upstream no longer holds. What the devices write meanwhile stays here and goes up after.
      UplinkResync.Outcome outcome = resync.run(state);
      meters.resynced(outcome.removed());
      pulled[0] += outcome.read();
      state = pullAll(outcome.state(), pulled);
    }
    // Once more: what this server's devices wrote meanwhile goes up, and the position moves over
    // the records just taken from upstream, so the unpushed count says what is really waiting.
    state = pushAll(state, pushed);
    return new Moved(pushed[0], pulled[0], state);
  }

  /** Pulls the upstream's pages from the state's cursor to the end, counting changed records. */
  private UplinkState pullAll(UplinkState start, long[] pulled) {
    UplinkState state = start;
    while (true) {
      PullRequest.Builder request =
          PullRequest.newBuilder()
              .setCursor(state.cursor())
              .setSince(state.since())
              .setLimit(pageSize)
              .setSchemaVersion(schema.version());
      state.ownWrites().forEach(range -> request.addOwnWrites(range.toWire()));
      PullResponse page = upstream.pull(request.build());
      if (page.getSchemaVersion() != 0 && page.getSchemaVersion() != schema.version()) {
        throw schemaMismatch(page.getSchemaVersion(), schema.version());
      }
      int[] changed = new int[1];
      state =
          store.write(
              tenant,
              transaction -> {
                UplinkState now = UplinkState.read(transaction);
                changed[0] =
                    downward.adopt(transaction, page.getRecordsList(), now.pushedThrough());
                UplinkState next = now.pulled(page.getNextCursor(), page.getHasMore());
                next.save(transaction);
                return next;
              });
      pulled[0] += changed[0];
      meters.pulled(changed[0]);
      if (!page.getHasMore()) {
        return state;
      }
    }
  }

  /** Pushes every batch of local writes above the acknowledged position, counting changes. */
  private UplinkState pushAll(UplinkState start, int[] pushed) {
    UplinkState state = start;
    while (true) {
      Upward.Batch batch = upward.next(state.pushedThrough());
      if (batch.changes().isEmpty()) {
        if (batch.through() > state.pushedThrough()) {
          state = skipTo(batch.through());
        }
        if (!batch.more()) {
          return state;
        }
        continue;
      }
      state = keep(state, batch);
      pushed[0] += batch.changes().size();
      state = send(state);
    }
  }

  static ConfigException schemaMismatch(int upstreamVersion, int localVersion) {
    return new ConfigException(
        "the upstream serves schema v"
            + upstreamVersion
            + " and this server v"
            + localVersion
            + ": every tier must serve the same schema file");
  }

  private static int countOf(UplinkState.Inflight inflight) {
    return decode(inflight).getChangesCount();
  }

  /** Moves the acknowledged position over local writes that need no push (the uplink's own). */
  private UplinkState skipTo(long through) {
    return store.write(
        tenant,
        transaction -> {
          UplinkState now = UplinkState.read(transaction);
          if (now.inflight() != null || now.pushedThrough() >= through) {
            return now;
          }
          UplinkState next =
              new UplinkState(
                  now.instance(),
                  now.cursor(),
                  now.since(),
                  through,
                  now.ownWrites(),
                  null,
                  now.resync());
          next.save(transaction);
          return next;
        });
  }

  /** Keeps the batch in the store before it is sent, so a retry or a restart sends it again. */
  private UplinkState keep(UplinkState state, Upward.Batch batch) {
    String batchId = state.instance() + "-" + state.pushedThrough() + "-" + batch.through();
    long hlc = 0;
    for (Change change : batch.changes()) {
      hlc = Math.max(hlc, change.getHlc());
    }
    PushRequest request =
        PushRequest.newBuilder()
            .setBatchId(batchId)
            .setTenant(tenant)
            .setSchemaVersion(schema.version())
            .setDeviceHlc(hlc)
            .addAllChanges(batch.changes())
            .build();
    UplinkState sending =
        state.sending(
            new UplinkState.Inflight(
                batchId,
                Base64.getEncoder().encodeToString(request.toByteArray()),
                batch.through()));
    store.write(
        tenant,
        transaction -> {
          sending.save(transaction);
          return null;
        });
    return sending;
  }

  private UplinkState send(UplinkState state) {
    PushRequest request = decode(state.inflight());
    PushResponse response = upstream.push(EncodedPush.encode(request));
    int[] rejected = new int[1];
    UplinkState after =
        store.write(
            tenant,
            transaction -> {
              UplinkState now = UplinkState.read(transaction);
              if (now.inflight() == null
                  || !now.inflight().batchId().equals(state.inflight().batchId())) {
                return now; // taken in already
              }
              UplinkState next =
                  now.acknowledged(response.hasWritten() ? response.getWritten() : null);
              Map<Integer, ChangeResult> results = new HashMap<>();
              response.getResultsList().forEach(result -> results.put(result.getIndex(), result));
              List<Record> decided = new ArrayList<>();
              for (int i = 0; i < request.getChangesCount(); i++) {
                Change change = request.getChanges(i);
                ChangeResult result = results.get(i);
                if (result != null && result.getStatus() == ChangeStatus.REJECTED) {
                  rejected[0]++;
                  log.warn(
                      "the upstream refused {} record '{}' of batch {}: {}; this server takes the"
                          + " upstream's state of it",
                      change.getTable(),
                      change.getRecordId(),
                      request.getBatchId(),
                      result.getReason());
                } else if (change.getOp() != Op.OP_DELETE) {
                  counted(transaction, change);
                }
                if (result != null && result.hasServerRecord()) {
                  decided.add(result.getServerRecord());
                }
              }
              downward.adopt(transaction, decided, next.pushedThrough());
              next.save(transaction);
              return next;
            });
    meters.pushed(request.getChangesCount());
    meters.rejected(rejected[0]);
    return after;
  }

  /**
   * Records that the upstream holds the record and has counted what this change sent of its {@code
   * sum} and {@code union} columns.
   */
  private void counted(WriteTransaction transaction, Change change) {
    Table table = schema.requireTable(change.getTable());
    RecordBase found = RecordBase.read(transaction, table.name(), change.getRecordId());
    RecordBase base = found == null ? RecordBase.empty() : found;
    for (FieldChange field : change.getFieldsList()) {
      Column column = table.column(field.getColumn());
      switch (table.ruleFor(column)) {
        case SUM -> {
          Object value = Values.fromWire(field.getValue());
          base.sums().put(column.name(), value instanceof Long total ? total : 0L);
        }
        case UNION -> {
          Object value = Values.fromWire(field.getValue());
          base.sets().put(column.name(), value == null ? null : value.toString());
        }
        default -> {}
      }
    }
    base.save(transaction, table.name(), change.getRecordId());
  }

  private static PushRequest decode(UplinkState.Inflight inflight) {
    try {
      return PushRequest.parseFrom(Base64.getDecoder().decode(inflight.request()));
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      throw new StorageException(
          "the uplink's kept batch " + inflight.batchId() + " is corrupt: " + e.getMessage(), e);
    }
  }
}
