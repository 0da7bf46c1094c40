package io.fieldsync.server;

import static io.fieldsync.server.Households.field;
import static io.fieldsync.server.Households.hlc;
import static io.fieldsync.server.Households.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.store.JournalEntry;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.store.SyncStore;
import io.fieldsync.testkit.ManualClock;
import io.fieldsync.testkit.RawHttp;
import io.fieldsync.testkit.ServerDatabase;
import io.fieldsync.testkit.TestServer;
import io.fieldsync.wire.ChangeStatus;
import io.fieldsync.wire.Field;
import io.fieldsync.wire.FieldVersion;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.Record;
import io.fieldsync.wire.RecordVersions;
import io.fieldsync.wire.Values;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store whose journal was made before it kept the sent fields encoded (its rows hold them as JSON
 * text, and it has no {@code sent_fields} column) opens, serves pushes and pulls, and lists each
 * record's history and the latest decisions with the old rows' JSON as stored and the new rows'
 * rendered from their encoding, in the order written.
 */
class JournalUpgradeTest {
  private static final Schema SCHEMA = SchemaLoader.parse(Households.SCHEMA);
  private static final String OLD_FIELDS = "{\"region\":{\"value\":\"north\",\"hlc\":65536}}";
  private static final String OLD_KEPT = "{\"status\":{\"value\":\"refused\",\"hlc\":131072}}";

  @TempDir java.nio.file.Path dir;

  /** The store's database: SQLite here, PostgreSQL in a subclass. */
  ServerDatabase database() {
    return ServerDatabase.sqlite(dir.resolve("store.db"));
  }

  @Test
  void aStoreWithTheJsonJournalServesPushesPullsAndHistory() throws Exception {
    ServerDatabase database = database();
    try (SyncStore old = database.open(StoreOptions.DEFAULTS)) {
      old.migrate(SCHEMA);
      old.write(
          TestServer.TENANT,
          transaction -> {
            long seq = transaction.nextSequence();
            Map<String, Object> values = new LinkedHashMap<>();
            values.put("id", uuid(1));
            values.put("region", "north");
            FieldVersion version =
                FieldVersion.newBuilder()
                    .setSeq(seq)
                    .setHlc(1L << 16)
                    .setDevice("tablet-1")
                    .build();
            transaction.save(
                new StoredRecord(
                    "households",
                    uuid(1),
                    seq,
                    false,
                    values,
                    RecordVersions.newBuilder()
                        .setRow(version)
                        .putFields("id", version)
                        .putFields("region", version)
                        .build()));
            transaction.journal(
                new JournalEntry(
                    seq,
                    "households",
                    uuid(1),
                    "insert",
                    OLD_FIELDS,
                    1L << 16,
                    "tablet-1",
                    "b1",
                    "applied"));
            transaction.journal(
                new JournalEntry(
                    0,
                    "households",
                    uuid(1),
                    "update",
                    OLD_KEPT,
                    2L << 16,
                    "tablet-1",
                    "b1",
                    "kept",
                    "kept the server's value"));
            return null;
          });
    }
    try (Connection connection = database.connect();
        Statement statement = connection.createStatement()) {
      statement.execute("ALTER TABLE _fs_journal DROP COLUMN sent_fields");
    }
    assertThat(journalColumns(database)).doesNotContain("sent_fields");

    long stamp = hlc(Households.START_MILLIS);
    try (TestServer server =
        TestServer.builder(dir.resolve("server"))
            .schema(SCHEMA)
            .clock(ManualClock.at(Households.START_MILLIS))
            .database(database)
            .start()) {
      assertThat(journalColumns(database)).contains("sent_fields");
      RawHttp http = server.raw();
      PushResponse pushed =
          http.push(
              server.token("tablet-2"),
              Households.batch(
                  "b2",
                  Households.update(
                      "households", uuid(1), 1, stamp, field("region", "east", stamp)),
                  Households.insertHousehold(2, "south", stamp),
                  Households.update(
                      "households", uuid(9), 1, stamp, field("region", "west", stamp))));
      assertThat(pushed.getApplied()).isEqualTo(2);
      assertThat(pushed.getResultsList())
          .extracting(result -> result.getStatus())
          .containsExactly(ChangeStatus.REJECTED);

      PullResponse pulled =
          http.pull(
              server.token("tablet-3"),
              PullRequest.newBuilder().setCursor(0).setSince(0).setLimit(100).build());
      Map<String, Object> regions = new TreeMap<>();
      for (Record record : pulled.getRecordsList()) {
        for (Field field : record.getFieldsList()) {
          if (field.getColumn().equals("region")) {
            regions.put(record.getRecordId(), Values.fromWire(field.getValue()));
          }
        }
      }
      assertThat(regions).isEqualTo(Map.of(uuid(1), "east", uuid(2), "south"));

      String newFields = "{\"region\":{\"value\":\"east\",\"hlc\":" + stamp + "}}";
      assertThat(lines(server.store().recordHistory(TestServer.TENANT, "households", uuid(1), 10)))
          .containsExactly(
              "insert applied b1 " + OLD_FIELDS,
              "update kept b1 " + OLD_KEPT,
              "update applied b2 " + newFields);
      assertThat(lines(server.store().recordHistory(TestServer.TENANT, "households", uuid(2), 10)))
          .containsExactly(
              "insert applied b2 {\"region\":{\"value\":\"south\",\"hlc\":"
                  + stamp
                  + "},\"head_name\":{\"value\":\"Ada\",\"hlc\":"
                  + stamp
                  + "},\"visits\":{\"value\":0,\"hlc\":"
                  + stamp
                  + "}}");
      assertThat(lines(server.store().recentDecisions(TestServer.TENANT, 10)))
          .containsExactly(
              "update rejected b2 {\"region\":{\"value\":\"west\",\"hlc\":" + stamp + "}}",
              "update kept b1 " + OLD_KEPT);
    }
  }

  private static List<String> lines(List<JournalEntry> entries) {
    List<String> lines = new ArrayList<>();
    for (JournalEntry entry : entries) {
      lines.add(entry.op() + " " + entry.outcome() + " " + entry.batchId() + " " + entry.fields());
    }
    return lines;
  }

  private static List<String> journalColumns(ServerDatabase database) throws Exception {
    List<String> columns = new ArrayList<>();
    try (Connection connection = database.connect();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT * FROM _fs_journal WHERE 1 = 0")) {
      for (int i = 1; i <= rows.getMetaData().getColumnCount(); i++) {
        columns.add(rows.getMetaData().getColumnName(i));
      }
    }
    return columns;
  }
}
