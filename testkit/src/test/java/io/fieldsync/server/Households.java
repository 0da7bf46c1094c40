package io.fieldsync.server;

import io.fieldsync.testkit.ManualClock;
import io.fieldsync.testkit.TestServer;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.Values;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The schema the server's HTTP tests run on, households and their visits with a conflict rule of
 * each kind, and wire changes of it as a device would push them.
 */
public final class Households {
  /** Where the server's manual clock starts. */
  public static final long START_MILLIS = 1_800_000_000_000L;

  public static final String SCHEMA =
      """
      version: 3
      tables:
        households:
          conflict: lww
          on_delete: delete_wins
          columns:
            id:          { type: uuid, primary_key: true }
            region:      { type: text, required: true }
            head_name:   { type: text }
            visits:      { type: integer, conflict: sum }
            tags:        { type: json, conflict: union }
            notes:       { type: text, conflict: manual }
            status:      { type: text, conflict: server_wins }
            seen_at:     { type: timestamp }
            temperature: { type: real, conflict: max }
        visits:
          on_delete: update_wins
          columns:
            id:           { type: uuid, primary_key: true }
            household_id: { type: uuid, references: households }
            note:         { type: text }
      """;

  private Households() {}

  /** One node over SQLite serving {@link #SCHEMA}, its clock standing at {@link #START_MILLIS}. */
  public static TestServer.Builder server(Path dir) {
    return TestServer.builder(dir).schema(SCHEMA).clock(ManualClock.at(START_MILLIS));
  }

  /** Row counts and the sequence: what a refused request must leave unchanged. */
  public static String counts(TestServer server) {
    StringBuilder result = new StringBuilder();
    for (String table :
        List.of(
            "households", "visits", "_fs_records", "_fs_journal", "_fs_batches", "_fs_review")) {
      result.append(table).append('=').append(single(server, "SELECT count(*) FROM " + table));
      result.append(' ');
    }
    return result
        .append("sequence=")
        .append(single(server, "SELECT coalesce(sum(value), 0) FROM _fs_sequence"))
        .toString();
  }

  private static long single(TestServer server, String sql) {
    Map<String, Object> row = server.query(sql).get(0);
    return ((Number) row.values().iterator().next()).longValue();
  }

  public static String uuid(int n) {
    return String.format("00000000-0000-7000-8000-%012d", n);
  }

  public static long hlc(long millis) {
    return millis << 16;
  }

  public static FieldChange field(String column, Object value, long hlc) {
    return FieldChange.newBuilder()
        .setColumn(column)
        .setValue(Values.toWire(value))
        .setHlc(hlc)
        .build();
  }

  public static Change insertHousehold(int n, String region, long hlc) {
    return Change.newBuilder()
        .setTable("households")
        .setRecordId(uuid(n))
        .setOp(Op.OP_INSERT)
        .setHlc(hlc)
        .addFields(field("region", region, hlc))
        .addFields(field("head_name", "Ada", hlc))
        .addFields(field("visits", 0L, hlc))
        .build();
  }

  public static Change insertVisit(int n, int household, String note, long hlc) {
    return Change.newBuilder()
        .setTable("visits")
        .setRecordId(uuid(n))
        .setOp(Op.OP_INSERT)
        .setHlc(hlc)
        .addFields(field("household_id", uuid(household), hlc))
        .addFields(field("note", note, hlc))
        .build();
  }

  public static Change delete(String table, String id, long baseSeq, long hlc) {
    return Change.newBuilder()
        .setTable(table)
        .setRecordId(id)
        .setOp(Op.OP_DELETE)
        .setBaseSeq(baseSeq)
        .setHlc(hlc)
        .build();
  }

  public static Change update(
      String table, String id, long baseSeq, long hlc, FieldChange... fields) {
    return Change.newBuilder()
        .setTable(table)
        .setRecordId(id)
        .setOp(Op.OP_UPDATE)
        .setHlc(hlc)
        .setBaseSeq(baseSeq)
        .addAllFields(List.of(fields))
        .build();
  }

  public static PushRequest batch(String batchId, Change... changes) {
    return PushRequest.newBuilder().setBatchId(batchId).addAllChanges(List.of(changes)).build();
  }
}
