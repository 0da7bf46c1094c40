package io.fieldsync.client;

import io.fieldsync.TransportException;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaCodec;
import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.ChangeResult;
import io.fieldsync.wire.ChangeStatus;
import io.fieldsync.wire.Field;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.Record;
import io.fieldsync.wire.SchemaResponse;
import io.fieldsync.wire.Value;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A scripted in-process stand-in for the server: records every request, answers pushes with {@code
 * APPLIED} (or what a test installs), pulls with queued pages, and can lose a push response after
 * "committing" it. A fake, not a mock: it keeps the replay promise of the protocol.
 */
final class FakeServer implements Transport {
  static final String SCHEMA_YAML =
      """
      version: 1
      tables:
        households:
          columns:
            id:        { type: uuid, primary_key: true }
            region:    { type: text, required: true }
            head_name: { type: text }
            visits:    { type: integer, conflict: sum }
            tags:      { type: json, conflict: union }
            score:     { type: real }
            active:    { type: boolean }
            notes:     { type: text, conflict: manual }
        visits:
          columns:
            id:           { type: uuid, primary_key: true }
            household_id: { type: uuid, references: households }
            temperature:  { type: real, conflict: max }
      """;

  static final String DEVICE = "device-1";
  static final String TENANT = "acme";
  static final long SERVER_HLC = 1L << 40;

  Schema schema = SchemaLoader.parse(SCHEMA_YAML);
  final List<PushRequest> pushes = new ArrayList<>();
  final List<byte[]> pushBytes = new ArrayList<>();
  final List<PullRequest> pulls = new ArrayList<>();
  final Deque<PullResponse> pages = new ArrayDeque<>();
  final Map<String, PushResponse> recorded = new HashMap<>();
  Function<PushRequest, PushResponse> onPush = FakeServer::applyAll;
  int loseNextPushResponses;
  int schemaCalls;

  /** Pull requests numbered from 1 that fail before answering (the page stays queued). */
  final java.util.Set<Integer> failingPulls = new java.util.HashSet<>();

  @Override
  public SchemaResponse schema() {
    schemaCalls++;
    return SchemaResponse.newBuilder()
        .setSchema(SchemaCodec.toWire(schema))
        .setTenant(TENANT)
        .setDevice(DEVICE)
        .setServerHlc(SERVER_HLC)
        .build();
  }

  @Override
  public PushResponse push(PushRequest request) {
    pushes.add(request);
    pushBytes.add(request.toByteArray());
    PushResponse response = recorded.get(request.getBatchId());
    if (response != null) {
      response = response.toBuilder().setReplayed(true).build();
    } else {
      response = onPush.apply(request);
      recorded.put(request.getBatchId(), response);
    }
    if (loseNextPushResponses > 0) {
      loseNextPushResponses--;
      throw new TransportException("response lost (fake)");
    }
    return response;
  }

  @Override
  public PullResponse pull(PullRequest request) {
    pulls.add(request);
    if (failingPulls.contains(pulls.size())) {
      throw new TransportException("pull " + pulls.size() + " failed (fake)");
    }
    PullResponse page = pages.poll();
    return page != null
        ? page
        : PullResponse.newBuilder().setNextCursor(request.getCursor()).setHasMore(false).build();
  }

  static PushResponse applyAll(PushRequest request) {
    PushResponse.Builder response =
        PushResponse.newBuilder().setBatchId(request.getBatchId()).setServerHlc(SERVER_HLC + 5);
    for (int i = 0; i < request.getChangesCount(); i++) {
      response.addResults(ChangeResult.newBuilder().setIndex(i).setStatus(ChangeStatus.APPLIED));
    }
    return response.setApplied(request.getChangesCount()).build();
  }

  /** Rejects every change whose record id is {@code recordId}; the server never had it. */
  static Function<PushRequest, PushResponse> rejecting(String recordId, String reason) {
    return request -> {
      PushResponse.Builder response = applyAll(request).toBuilder().clearResults();
      int rejected = 0;
      for (int i = 0; i < request.getChangesCount(); i++) {
        Change change = request.getChanges(i);
        ChangeResult.Builder result = ChangeResult.newBuilder().setIndex(i);
        if (change.getRecordId().equals(recordId)) {
          rejected++;
          result
              .setStatus(ChangeStatus.REJECTED)
              .setReason(reason)
              .setServerRecord(
                  Record.newBuilder()
                      .setTable(change.getTable())
                      .setRecordId(recordId)
                      .setAbsent(true));
        } else {
          result.setStatus(ChangeStatus.APPLIED);
        }
        response.addResults(result);
      }
      // Totals as the real server reports them.
      return response
          .setApplied(request.getChangesCount() - rejected)
          .setRejected(rejected)
          .build();
    };
  }

  static Record record(String table, String id, long seq, Object... columnValueHlc) {
    Record.Builder record = Record.newBuilder().setTable(table).setRecordId(id).setSeq(seq);
    for (int i = 0; i < columnValueHlc.length; i += 3) {
      record.addFields(
          Field.newBuilder()
              .setColumn((String) columnValueHlc[i])
              .setValue(io.fieldsync.wire.Values.toWire(columnValueHlc[i + 1]))
              .setHlc((Long) columnValueHlc[i + 2]));
    }
    return record.build();
  }

  static Record tombstone(String table, String id, long seq) {
    return Record.newBuilder().setTable(table).setRecordId(id).setSeq(seq).setDeleted(true).build();
  }

  void page(long nextCursor, boolean hasMore, Record... records) {
    pages.add(
        PullResponse.newBuilder()
            .addAllRecords(List.of(records))
            .setNextCursor(nextCursor)
            .setHasMore(hasMore)
            .setServerHlc(SERVER_HLC + 10)
            .build());
  }

  static Value text(String text) {
    return Value.newBuilder().setTextValue(text).build();
  }
}
