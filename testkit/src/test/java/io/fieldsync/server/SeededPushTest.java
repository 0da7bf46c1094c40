package io.fieldsync.server;

import static io.fieldsync.server.Households.field;
import static io.fieldsync.server.Households.hlc;
import static io.fieldsync.server.Households.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.fieldsync.testkit.RawHttp;
import io.fieldsync.testkit.SeededTest;
import io.fieldsync.testkit.TestServer;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.RecordVersions;
import io.fieldsync.wire.SentFields;
import io.fieldsync.wire.Values;
import io.fieldsync.wire.VersionsEncoding;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded batches of inserts, last-writer-wins updates and sum increments from several devices, of
 * sizes from one change to more than one lookup's worth of ids, some delivered twice: the server
 * ends with exactly the state the test computes from what it sent, one journal entry per change and
 * one sequence per changed record per batch, so a change lost or applied twice shows. The journal's
 * rows (each change's fields as sent, as JSON) and every record's field and row versions (last
 * stamp and device) are held to the test's own model too.
 */
class SeededPushTest {
  private static final String[] DEVICES = {"tablet-1", "tablet-2", "phone-3"};

  @TempDir Path dir;

  /** The server, on SQLite; a subclass runs the same on PostgreSQL. */
  TestServer.Builder server() {
    return Households.server(dir);
  }

  /** A household as the test expects the server to hold it. */
  private record Expected(String region, String headName, long visits) {}

  /** The stamp and device of a field's last write, as the record's versions must hold it. */
  private record Written(long hlc, String device) {}

  @SeededTest(runs = 2)
  void everyPushedChangeLandsExactlyOnce(long seed) throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    try (TestServer server = server().start()) {
      RawHttp http = server.raw();
      Map<String, Expected> expected = new TreeMap<>();
      List<String> ids = new ArrayList<>();
      long stamp = hlc(Households.START_MILLIS);
      Map<String, Map<String, Written>> versions = new TreeMap<>();
      Map<String, Written> rows = new TreeMap<>();
      List<String> journal = new ArrayList<>();
      long sequences = 0;
      int batches = 0;
      for (int round = 0; round < 4; round++) {
        for (String device : DEVICES) {
          String batchId = "batch-" + seed + "-" + batches;
          int size = 1 + random.nextInt(random.nextBoolean() ? 40 : 700);
          Set<String> touched = new HashSet<>();
          List<Change> changes = new ArrayList<>();
          while (changes.size() < size) {
            stamp++;
            if (ids.isEmpty() || random.nextInt(3) == 0) {
              String id = uuid(ids.size() + 1);
              ids.add(id);
              touched.add(id);
              Expected row =
                  new Expected(
                      "region-" + random.nextInt(5), "head-" + stamp, random.nextInt(1_000));
              expected.put(id, row);
              changes.add(insert(id, row, stamp));
              Written written = new Written(stamp, device);
              versions.put(
                  id,
                  new TreeMap<>(
                      Map.of("region", written, "head_name", written, "visits", written)));
              rows.put(id, written);
              continue;
            }
            String id = ids.get(random.nextInt(ids.size()));
            if (!touched.add(id)) {
              continue; // one change per record and batch keeps the expected sequences simple
            }
            Expected row = expected.get(id);
            if (random.nextBoolean()) {
              row = new Expected(row.region(), "head-" + stamp, row.visits());
              changes.add(update(id, stamp, field("head_name", row.headName(), stamp)));
            } else {
              long delta = 1 + random.nextInt(50);
              row = new Expected(row.region(), row.headName(), row.visits() + delta);
              changes.add(
                  update(
                      id,
                      stamp,
                      field("visits", row.visits(), stamp).toBuilder().setDelta(delta).build()));
            }
            expected.put(id, row);
            versions
                .get(id)
                .put(
                    changes.get(changes.size() - 1).getFields(0).getColumn(),
                    new Written(stamp, device));
          }
          for (Change change : changes) {
            journal.add(journalRow(change, device, batchId));
          }
          PushRequest request =
              PushRequest.newBuilder().setBatchId(batchId).addAllChanges(changes).build();
          PushResponse response = http.push(server.token(device), request);
          assertThat(response.getApplied()).as("applied of batch %d", batches).isEqualTo(size);
          assertThat(response.getReplayed()).isFalse();
          if (random.nextInt(3) == 0) {
            PushResponse again = http.push(server.token(device), request);
            assertThat(again.getReplayed()).as("a retried batch id is a replay").isTrue();
            assertThat(again.getApplied()).isEqualTo(size);
            assertThat(again.getSequence()).isEqualTo(response.getSequence());
          }
          sequences += touched.size();
          batches++;
        }
      }

      Map<String, Expected> stored = new TreeMap<>();
      for (Map<String, Object> row :
          server.query("SELECT id, region, head_name, visits FROM households")) {
        stored.put(
            String.valueOf(row.get("id")),
            new Expected(
                (String) row.get("region"),
                (String) row.get("head_name"),
                ((Number) row.get("visits")).longValue()));
      }
      assertThat(stored).isEqualTo(expected);
      assertThat(server.sequence(TestServer.TENANT)).isEqualTo(sequences);
      List<String> journaled = new ArrayList<>();
      for (Map<String, Object> row :
          server.query("SELECT rid, op, device, batch_id, fields, sent_fields FROM _fs_journal")) {
        assertThat(row.get("fields")).as("a push keeps the sent fields encoded").isNull();
        journaled.add(
            row.get("rid")
                + " "
                + row.get("op")
                + " "
                + row.get("device")
                + " "
                + row.get("batch_id")
                + " "
                + SentFields.json((byte[]) row.get("sent_fields")));
      }
      journal.sort(null);
      journaled.sort(null);
      assertThat(journaled).as("journal rows, one per change as sent").isEqualTo(journal);
      Map<String, Map<String, Written>> storedVersions = new TreeMap<>();
      Map<String, Written> storedRows = new TreeMap<>();
      for (Map<String, Object> row : server.query("SELECT rid, versions FROM _fs_records")) {
        RecordVersions parsed = VersionsEncoding.decode((byte[]) row.get("versions"));
        Map<String, Written> fields = new TreeMap<>();
        parsed
            .getFieldsMap()
            .forEach(
                (column, version) ->
                    fields.put(column, new Written(version.getHlc(), version.getDevice())));
        storedVersions.put((String) row.get("rid"), fields);
        storedRows.put(
            (String) row.get("rid"),
            new Written(parsed.getRow().getHlc(), parsed.getRow().getDevice()));
      }
      assertThat(storedVersions).as("field versions: last stamp and device").isEqualTo(versions);
      assertThat(storedRows).as("row versions: the insert's stamp and device").isEqualTo(rows);
      assertThat(count(server, "_fs_batches")).isEqualTo(batches);
      assertThat(count(server, "_fs_records")).isEqualTo(ids.size());
    }
  }

  private static long count(TestServer server, String table) {
    Map<String, Object> row = server.query("SELECT count(*) AS n FROM " + table).get(0);
    return ((Number) row.values().iterator().next()).longValue();
  }

  /** A journal row as the test expects it: the change's fields as JSON, in the order sent. */
  private static String journalRow(Change change, String device, String batchId) {
    JsonObject fields = new JsonObject();
    for (FieldChange field : change.getFieldsList()) {
      JsonObject entry = new JsonObject();
      Object value = Values.fromWire(field.getValue());
      if (value instanceof Number number) {
        entry.addProperty("value", number);
      } else {
        entry.addProperty("value", (String) value);
      }
      entry.addProperty("hlc", field.getHlc());
      if (field.getDelta() != 0) {
        entry.addProperty("delta", field.getDelta());
      }
      fields.add(field.getColumn(), entry);
    }
    String op = change.getOp() == Op.OP_INSERT ? "insert" : "update";
    return change.getRecordId() + " " + op + " " + device + " " + batchId + " " + fields;
  }

  private static Change insert(String id, Expected row, long stamp) {
    return Change.newBuilder()
        .setTable("households")
        .setRecordId(id)
        .setOp(Op.OP_INSERT)
        .setHlc(stamp)
        .addFields(field("region", row.region(), stamp))
        .addFields(field("head_name", row.headName(), stamp))
        .addFields(field("visits", row.visits(), stamp))
        .build();
  }

  private static Change update(String id, long stamp, FieldChange field) {
    return Change.newBuilder()
        .setTable("households")
        .setRecordId(id)
        .setOp(Op.OP_UPDATE)
        .setHlc(stamp)
        .addFields(field)
        .build();
  }
}
