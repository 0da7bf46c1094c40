package io.fieldsync.server.uplink;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import io.fieldsync.StorageException;
import io.fieldsync.store.RecoveryStore;
import io.fieldsync.store.WriteTransaction;
import io.fieldsync.wire.SequenceRange;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the uplink of one tenant stands, kept in the regional store's settings ({@code
 * uplink/<tenant>}) and written in the same transaction as the records it concerns, so a restart
 * resumes exactly: nothing pushed twice, nothing pushed never.
 *
 * @param instance random text chosen at the first start; batch ids carry it, so a store restored
 *     from a copy never reuses the id of a batch it did not make
 * @param cursor the last upstream sequence applied here
 * @param since the upstream cursor at which the current run of pull pages began
 * @param pushedThrough the local sequence through which every write of this server's devices is
 *     acknowledged upstream
 * @param ownWrites the upstream {@code written} ranges of acknowledged pushes not yet pulled past
 * @param inflight the batch sent and not yet acknowledged, or null
 * @param resync the re-read of the tenant from upstream in progress, or null
 */
record UplinkState(
    String instance,
    long cursor,
    long since,
    long pushedThrough,
    List<Range> ownWrites,
    Inflight inflight,
    Resync resync) {

  /** The most {@code own_writes} ranges a pull may carry. */
  static final int MAX_OWN_WRITES = 64;

  private static final Gson GSON = new Gson();

  UplinkState {
    ownWrites = ownWrites == null ? List.of() : List.copyOf(ownWrites);
  }

  /** An upstream sequence range, both ends included. */
  record Range(long first, long last) {
    SequenceRange toWire() {
      return SequenceRange.newBuilder().setFirst(first).setLast(last).build();
    }
  }

  /**
   * A batch kept before it is sent: a retry after a lost answer or a restart sends these bytes
   * again, and the upstream answers with the outcome it recorded.
   *
   * @param request the encoded {@code PushRequest}, base64
   * @param through the local sequence the batch covers writes up to
   */
  record Inflight(String batchId, String request, long through) {}

  /**
   * A resync in progress ({@link UplinkResync}): the snapshot pages of the upstream read so far.
   *
   * @param cursor the upstream cursor of the next snapshot page
   * @param sequence the upstream's sequence when the resync started (its {@code snapshot_sequence})
   * @param read records read from upstream so far
   * @param reason why the upstream asked for it
   */
  record Resync(long cursor, long sequence, long read, String reason) {
    /** What the resync marks the records it reads with: never 0, which marks none. */
    long mark() {
      return sequence + 1;
    }
  }

  static String key(String tenant) {
    return "uplink/" + tenant;
  }

  static UplinkState fresh(String instance) {
    return new UplinkState(instance, 0, 0, 0, List.of(), null, null);
  }

  /** The state kept for {@code tenant}, or null when the uplink never ran for it. */
  static UplinkState read(String tenant, String json) {
    if (json == null) {
      return null;
    }
    try {
      return GSON.fromJson(json, UplinkState.class);
    } catch (JsonParseException e) {
      throw new StorageException(
          "the uplink state of tenant '"
              + tenant
              + "' (setting "
              + key(tenant)
              + ") is corrupt: "
              + e.getMessage(),
          e);
    }
  }

  static UplinkState read(WriteTransaction transaction) {
    return read(transaction.tenant(), transaction.setting(key(transaction.tenant())));
  }

  /** Saves this state, and holds the tombstones of deletes the upstream has not acknowledged. */
  void save(WriteTransaction transaction) {
    transaction.putSetting(key(transaction.tenant()), GSON.toJson(this));
    transaction.putSetting(
        RecoveryStore.tombstoneHoldKey(transaction.tenant()), Long.toString(pushedThrough));
  }

  UplinkState sending(Inflight batch) {
    return new UplinkState(instance, cursor, since, pushedThrough, ownWrites, batch, resync);
  }

  /** The state after the in-flight batch was acknowledged with {@code written} (null: nothing). */
  UplinkState acknowledged(SequenceRange written) {
    List<Range> ranges = new ArrayList<>(ownWrites);
    if (written != null && written.getFirst() >= 1 && written.getFirst() <= written.getLast()) {
      ranges.add(new Range(written.getFirst(), written.getLast()));
    }
    while (ranges.size() > MAX_OWN_WRITES) {
      ranges.remove(0);
    }
    return new UplinkState(instance, cursor, since, inflight.through(), ranges, null, resync);
  }

  /** The state after a pull page: the cursor moves, and a finished run moves {@code since}. */
  UplinkState pulled(long nextCursor, boolean hasMore) {
    long newSince = hasMore ? since : nextCursor;
    List<Range> ranges = ownWrites.stream().filter(range -> range.last() > newSince).toList();
    return new UplinkState(instance, nextCursor, newSince, pushedThrough, ranges, inflight, resync);
  }

  /** The state with the resync {@code progress} (null: none in progress). */
  UplinkState resyncing(Resync progress) {
    return new UplinkState(instance, cursor, since, pushedThrough, ownWrites, inflight, progress);
  }

  /** The state after a finished resync: pulls go on from {@code cursor}, the snapshot's end. */
  UplinkState resynced(long nextCursor) {
    return new UplinkState(instance, cursor, since, pushedThrough, ownWrites, inflight, null)
        .pulled(nextCursor, false);
  }
}
