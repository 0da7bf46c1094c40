package io.fieldsync.server.recovery;

import io.fieldsync.ProtocolException;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.server.MessageText;
import io.fieldsync.server.RowScope;
import io.fieldsync.server.ServerClock;
import io.fieldsync.server.TokenClaims;
import io.fieldsync.server.pull.PullService;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.store.SyncStore;
import io.fieldsync.wire.IdRange;
import io.fieldsync.wire.RangeChecksum;
import io.fieldsync.wire.Record;
import io.fieldsync.wire.RecordHash;
import io.fieldsync.wire.RecordHashes;
import io.fieldsync.wire.RecordsRequest;
import io.fieldsync.wire.RecordsResponse;
import io.fieldsync.wire.VerifyRequest;
import io.fieldsync.wire.VerifyResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/verify} (checksums of id ranges, see {@link RecordHashes}) and {@code POST
 * /v1/records} (the current state of records by id), with which a device finds and repairs rows
 * that differ from the server (docs/recovery.md). Thread-safe.
 */
public final class RecoveryService {
  /** Most ranges in one verify request. */
  static final int MAX_RANGES = 4096;

  /** Most records listed in one verify response, and most ids in one records request. */
  static final int MAX_RECORDS = 10_000;

  private final SyncStore store;
  private final Schema schema;
  private final ServerClock clock;

  public RecoveryService(SyncStore store, Schema schema, ServerClock clock) {
    this.store = store;
    this.schema = schema;
    this.clock = clock;
  }

  /** Accumulates one requested range. */
  private static final class Sum {
    final IdRange range;
    long count;
    long checksum;
    final List<RecordHash> records = new ArrayList<>();

    Sum(IdRange range) {
      this.range = range;
    }
  }

  public VerifyResponse verify(TokenClaims token, VerifyRequest request) {
    if (request.getRangesCount() == 0) {
      throw new ProtocolException("verify needs at least one range");
    }
    if (request.getRangesCount() > MAX_RANGES) {
      throw new ProtocolException(
          "verify takes at most " + MAX_RANGES + " ranges, found " + request.getRangesCount());
    }
    // table -> depth -> prefix -> sum; a table is scanned once however many ranges ask about it.
    Map<String, Map<Integer, Map<Long, Sum>>> byTable = new LinkedHashMap<>();
    List<Sum> ordered = new ArrayList<>();
    for (IdRange range : request.getRangesList()) {
      Table table = schema.table(range.getTable());
      if (table == null) {
        throw new ProtocolException(
            "verify names table '"
                + MessageText.abbreviate(range.getTable())
                + "', which schema v"
                + schema.version()
                + " does not have");
      }
      try {
        RecordHashes.validate(range);
      } catch (IllegalArgumentException e) {
        throw new ProtocolException("table '" + table.name() + "': " + e.getMessage());
      }
      Sum sum = new Sum(range);
      ordered.add(sum);
      byTable
          .computeIfAbsent(table.name(), unused -> new HashMap<>())
          .computeIfAbsent(range.getDepth(), unused -> new HashMap<>())
          .put(range.getPrefix(), sum);
    }
    long sequence = store.currentSequence(token.tenant());
    RowScope scope = RowScope.of(token, schema);
    int[] listed = {0};
    for (Map.Entry<String, Map<Integer, Map<Long, Sum>>> entry : byTable.entrySet()) {
      Table table = schema.table(entry.getKey());
      Map<Integer, Map<Long, Sum>> depths = entry.getValue();
      store.scanLive(
          token.tenant(),
          table.name(),
          record -> {
            if (!scope.admits(table, record)) {
              return; // not the device's row: it must not hold it, so it is not compared
            }
            long idHash = RecordHashes.idHash(record.id());
            long hash = 0;
            boolean hashed = false;
            for (Map.Entry<Integer, Map<Long, Sum>> depth : depths.entrySet()) {
              Sum sum = depth.getValue().get(RecordHashes.prefix(depth.getKey(), idHash));
              if (sum == null) {
                continue;
              }
              if (!hashed) {
                hash = RecordHashes.recordHash(table, record.id(), record.values());
                hashed = true;
              }
              sum.count++;
              sum.checksum += hash;
              if (sum.range.getList()) {
                if (++listed[0] > MAX_RECORDS) {
                  throw new ProtocolException(
                      "verify would list more than "
                          + MAX_RECORDS
                          + " records; ask for deeper ranges");
                }
                sum.records.add(
                    RecordHash.newBuilder().setRecordId(record.id()).setHash(hash).build());
              }
            }
          });
    }
    VerifyResponse.Builder response = VerifyResponse.newBuilder().setSequence(sequence);
    for (Sum sum : ordered) {
      sum.records.sort(Comparator.comparing(RecordHash::getRecordId));
      response.addRanges(
          RangeChecksum.newBuilder()
              .setRange(sum.range)
              .setCount(sum.count)
              .setChecksum(sum.checksum)
              .addAllRecords(sum.records));
    }
    return response.build();
  }

  public RecordsResponse records(TokenClaims token, RecordsRequest request) {
    Table table = schema.table(request.getTable());
    if (table == null) {
      throw new ProtocolException(
          "records names table '"
              + MessageText.abbreviate(request.getTable())
              + "', which schema v"
              + schema.version()
              + " does not have");
    }
    if (request.getRecordIdsCount() > MAX_RECORDS) {
      throw new ProtocolException(
          "records takes at most "
              + MAX_RECORDS
              + " ids per request, found "
              + request.getRecordIdsCount());
    }
    long sequence = store.currentSequence(token.tenant());
    Map<String, StoredRecord> found =
        store.records(token.tenant(), table.name(), request.getRecordIdsList());
    RecordsResponse.Builder response =
        RecordsResponse.newBuilder().setSequence(sequence).setServerHlc(clock.now());
    RowScope scope = RowScope.of(token, schema);
    for (String id : request.getRecordIdsList()) {
      StoredRecord stored = found.get(id);
      if (stored != null && !stored.deleted() && !scope.admits(table, stored)) {
        stored = null; // outside the device's scopes: as far as it may know, there is none
      }
      response.addRecords(
          stored == null
              ? Record.newBuilder().setTable(table.name()).setRecordId(id).setAbsent(true).build()
              : PullService.toWire(table, stored, 0));
    }
    return response.build();
  }
}
