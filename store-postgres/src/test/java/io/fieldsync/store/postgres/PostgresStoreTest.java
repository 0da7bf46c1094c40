package io.fieldsync.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.ConfigException;
import io.fieldsync.StorageException;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.store.JournalEntry;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.SyncStores;
import io.fieldsync.store.postgres.testing.PostgresDatabaseExtension;
import io.fieldsync.store.postgres.testing.TestDatabase;
import io.fieldsync.wire.FieldVersion;
import io.fieldsync.wire.RecordVersions;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresDatabaseExtension.class)
class PostgresStoreTest {

  static final String SCHEMA_V1 =
      """
      version: 1
      tables:
        samples:
          columns:
            id:       { type: uuid, primary_key: true }
            label:    { type: text }
            count:    { type: integer }
            weight:   { type: real }
            done:     { type: boolean }
            taken_at: { type: timestamp }
            extra:    { type: json }
      """;

  static final String SCHEMA_V2 =
      SCHEMA_V1.replace("version: 1", "version: 2")
          + "      note:     { type: text }\n"
          + "  places:\n"
          + "    columns:\n"
          + "      id:   { type: uuid, primary_key: true }\n"
          + "      name: { type: text, required: true }\n";

  private static final String ID = "0190f3a4-0000-7000-8000-000000000001";

  private TestDatabase database;
  private final List<SyncStore> stores = new ArrayList<>();

  @BeforeEach
  void cleanDatabase(TestDatabase database) throws SQLException {
    this.database = database;
    try (Connection connection = database.connect();
        Statement statement = connection.createStatement()) {
      statement.execute("DROP SCHEMA public CASCADE");
      statement.execute("CREATE SCHEMA public");
    }
  }

  @AfterEach
  void closeStores() {
    stores.forEach(SyncStore::close);
  }

  private SyncStore open(String yaml) {
    SyncStore store = SyncStores.open(database.location(), new StoreOptions(4, 5_000));
    stores.add(store);
    store.migrate(SchemaLoader.parse(yaml));
    return store;
  }

  static StoredRecord record(String table, String id, long seq, Map<String, Object> values) {
    Map<String, Object> all = new LinkedHashMap<>();
    all.put("id", id);
    all.putAll(values);
    RecordVersions.Builder versions = RecordVersions.newBuilder();
    for (String column : values.keySet()) {
      versions.putFields(
          column, FieldVersion.newBuilder().setSeq(seq).setHlc(1000 + seq).setDevice("d1").build());
    }
    return new StoredRecord(table, id, seq, false, all, versions.build());
  }

  private static void save(SyncStore store, String tenant, String id, Map<String, Object> values) {
    store.write(
        tenant,
        transaction -> {
          transaction.save(record("samples", id, transaction.nextSequence(), values));
          return null;
        });
  }

  @Test
  void tableNotCreatedByFieldsyncIsRefused() throws Exception {
    // Regression: adopted with CREATE TABLE IF NOT EXISTS; every push then failed with a 503.
    try (Connection connection = database.connect();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE samples (id uuid PRIMARY KEY, label text)");
    }
    SyncStore store = SyncStores.open(database.location(), new StoreOptions(4, 5_000));
    stores.add(store);
    assertThatThrownBy(() -> store.migrate(SchemaLoader.parse(SCHEMA_V1)))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "postgresql store "
                + database.host()
                + ":"
                + database.port()
                + "/"
                + database.name()
                + ": table 'samples' exists but was not created by fieldsync (it has no _tenant"
                + " column); use another database or drop it");
    assertThat(tables()).doesNotContain("_fs_records", "_fs_columns");
  }

  @Test
  void tablesOfAnotherPostgresSchemaDoNotCount() throws Exception {
    try (Connection connection = database.connect();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE SCHEMA legacy");
      statement.execute("CREATE TABLE legacy.samples (id uuid PRIMARY KEY, label text)");
    }
    SyncStore store = open(SCHEMA_V1);
    save(store, "acme", ID, Map.of("label", "kept"));
    assertThat(store.currentSequence("acme")).isEqualTo(1);
  }

  private List<String> tables() throws SQLException {
    List<String> names = new ArrayList<>();
    try (Connection connection = database.connect();
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                    + " ORDER BY table_name")) {
      while (rows.next()) {
        names.add(rows.getString(1));
      }
    }
    return names;
  }

  @Test
  void providerIsFoundForPostgresLocations() {
    SyncStore store = open(SCHEMA_V1);

    assertThat(store.name()).isEqualTo("postgresql");
  }

  @Test
  void valuesOfEveryTypeReadBackInTheirCanonicalForm() {
    SyncStore store = open(SCHEMA_V1);
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("label", "Ama \u00e9t\u00e9 \u2603 'quoted'");
    values.put("count", Long.MAX_VALUE);
    values.put("weight", 0.1);
    values.put("done", true);
    values.put("taken_at", "2026-11-22T10:15:30.123456Z");
    values.put("extra", "{\"b\": [1,2],  \"a\":\"x\"}");

    save(store, "acme", ID, values);

    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("id", ID);
    expected.putAll(values);
    StoredRecord pulled = store.pull("acme", 0, 10).records().get(0);
    assertThat(pulled.values()).containsExactlyEntriesOf(expected);
    StoredRecord loaded =
        store.write("acme", transaction -> transaction.load("samples", List.of(ID)).get(ID));
    assertThat(loaded.values()).containsExactlyEntriesOf(expected);
    assertThat(loaded.versions().getFieldsMap()).containsKeys("label", "extra");
  }

  @Test
  void nullsReadBackAsNullInEveryType() {
    SyncStore store = open(SCHEMA_V1);
    Map<String, Object> nulls = new LinkedHashMap<>();
    for (String column : List.of("label", "count", "weight", "done", "taken_at", "extra")) {
      nulls.put(column, null);
    }

    save(store, "acme", ID, nulls);

    assertThat(store.pull("acme", 0, 10).records().get(0).values())
        .containsEntry("id", ID)
        .containsAllEntriesOf(nulls);
  }

  @Test
  void userTablesAreRealTypedTablesKeyedByTenant() throws SQLException {
    open(SCHEMA_V1);

    assertThat(
            query(
                "SELECT column_name || ' ' || data_type FROM information_schema.columns"
                    + " WHERE table_name = 'samples' ORDER BY ordinal_position"))
        .containsExactly(
            "_tenant text",
            "id uuid",
            "label text",
            "count bigint",
            "weight double precision",
            "done boolean",
            "taken_at timestamp with time zone",
            "extra json");
    assertThat(
            query(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
                    + " AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'samples'::regclass"
                    + " AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)"))
        .containsExactly("_tenant", "id");
  }

  @Test
  void deletingKeepsATombstoneAndRemovesTheRow() throws SQLException {
    SyncStore store = open(SCHEMA_V1);
    save(store, "acme", ID, Map.of("label", "gone soon"));

    store.write(
        "acme",
        transaction -> {
          StoredRecord live = transaction.load("samples", List.of(ID)).get(ID);
          transaction.save(
              new StoredRecord(
                  "samples", ID, transaction.nextSequence(), true, live.values(), live.versions()));
          return null;
        });

    StoredRecord tombstone = store.pull("acme", 1, 10).records().get(0);
    assertThat(tombstone.deleted()).isTrue();
    assertThat(tombstone.seq()).isEqualTo(2);
    assertThat(tombstone.values()).containsEntry("label", "gone soon");
    assertThat(query("SELECT count(*) FROM samples")).containsExactly("0");
  }

  @Test
  void additiveSchemaChangesKeepEveryRow() throws SQLException {
    SyncStore first = open(SCHEMA_V1);
    save(first, "acme", ID, Map.of("label", "kept", "count", 3L));
    first.close();
    stores.remove(first);

    SyncStore second = open(SCHEMA_V2);

    StoredRecord kept = second.pull("acme", 0, 10).records().get(0);
    assertThat(kept.values())
        .containsEntry("label", "kept")
        .containsEntry("count", 3L)
        .containsEntry("note", null);
    second.write(
        "acme",
        transaction -> {
          transaction.save(
              record(
                  "places",
                  "0190f3a4-0000-7000-8000-0000000000aa",
                  transaction.nextSequence(),
                  Map.of("name", "Kumasi")));
          return null;
        });
    assertThat(second.currentSequence("acme")).isEqualTo(2);
    assertThat(query("SELECT version FROM _fs_migrations")).containsExactly("1", "2", "3");
  }

  @Test
  void anAbortedTransactionLeavesNothingVisible() throws SQLException {
    SyncStore store = open(SCHEMA_V1);
    RuntimeException failure = new IllegalStateException("conflict resolution failed");

    assertThatThrownBy(
            () ->
                store.write(
                    "acme",
                    transaction -> {
                      for (int i = 0; i < 3; i++) {
                        long seq = transaction.nextSequence();
                        String id = "0190f3a4-0000-7000-8000-00000000000" + i;
                        transaction.save(record("samples", id, seq, Map.of("count", (long) i)));
                        transaction.journal(
                            new JournalEntry(
                                seq, "samples", id, "insert", "{}", 1, "d1", "b1", "applied"));
                      }
                      transaction.recordBatch("d1", "b1", bytes("outcome"));
                      transaction.load("samples", List.of(ID)); // flushes the queued writes
                      throw failure;
                    }))
        .isSameAs(failure);

    assertThat(store.currentSequence("acme")).isZero();
    assertThat(store.pull("acme", 0, 100).records()).isEmpty();
    assertThat(store.batchOutcome("acme", "d1", "b1")).isEmpty();
    assertThat(query("SELECT count(*) FROM samples")).containsExactly("0");
    assertThat(query("SELECT count(*) FROM _fs_journal")).containsExactly("0");
  }

  @Test
  void aConnectionKilledMidBatchCommitsNothingAndTheRetryAppliesOnce() throws SQLException {
    SyncStore nodeA = open(SCHEMA_V1);
    SyncStore nodeB = open(SCHEMA_V1);

    assertThatThrownBy(
            () ->
                nodeA.write(
                    "acme",
                    transaction -> {
                      transaction.save(
                          record("samples", ID, transaction.nextSequence(), Map.of("count", 1L)));
                      transaction.recordBatch("d1", "b1", bytes("applied"));
                      transaction.load("samples", List.of(ID));
                      killOtherSessionsInTransaction();
                      transaction.load("samples", List.of(ID));
                      return null;
                    }))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("SQLState 57P01");

    assertThat(nodeB.batchOutcome("acme", "d1", "b1")).isEmpty();
    for (int delivery = 0; delivery < 2; delivery++) {
      nodeB.write(
          "acme",
          transaction -> {
            if (transaction.batchOutcome("d1", "b1").isEmpty()) {
              transaction.save(
                  record("samples", ID, transaction.nextSequence(), Map.of("count", 1L)));
              transaction.recordBatch("d1", "b1", bytes("applied"));
            }
            return null;
          });
    }
    assertThat(nodeA.currentSequence("acme")).isEqualTo(1);
    assertThat(nodeA.batchOutcome("acme", "d1", "b1"))
        .hasValueSatisfying(
            outcome ->
                assertThat(new String(outcome, StandardCharsets.UTF_8)).isEqualTo("applied"));
  }

  @Test
  void tenantsNeverSeeEachOthersRows() {
    SyncStore store = open(SCHEMA_V1);
    save(store, "acme", ID, Map.of("label", "acme's"));
    save(store, "acme", "0190f3a4-0000-7000-8000-000000000002", Map.of("label", "acme's 2"));
    save(store, "globex", ID, Map.of("label", "globex's"));
    store.write(
        "acme",
        transaction -> {
          transaction.recordBatch("d1", "b1", bytes("acme batch"));
          return null;
        });

    assertThat(store.currentSequence("acme")).isEqualTo(2);
    assertThat(store.currentSequence("globex")).isEqualTo(1);
    assertThat(store.currentSequence("initech")).isZero();
    assertThat(store.pull("globex", 0, 10).records())
        .singleElement()
        .satisfies(record -> assertThat(record.values()).containsEntry("label", "globex's"));
    assertThat(store.pull("acme", 0, 10).records())
        .extracting(record -> record.values().get("label"))
        .containsExactly("acme's", "acme's 2");
    String globexView =
        store.write(
            "globex",
            transaction ->
                (String) transaction.load("samples", List.of(ID)).get(ID).values().get("label"));
    assertThat(globexView).isEqualTo("globex's");
    assertThat(store.batchOutcome("globex", "d1", "b1")).isEmpty();
    assertThat(store.batchOutcome("acme", "d1", "b1")).isPresent();
    assertThat(store.pull("initech", 0, 10).records()).isEmpty();
  }

  private void killOtherSessionsInTransaction() {
    try (Connection admin = database.connect();
        Statement statement = admin.createStatement()) {
      statement.execute(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
              + " WHERE datname = current_database() AND pid <> pg_backend_pid()"
              + " AND state = 'idle in transaction'");
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  private List<String> query(String sql) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection connection = database.connect();
        Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery(sql)) {
      while (result.next()) {
        rows.add(result.getString(1));
      }
    }
    return rows;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  static Schema schema(String yaml) {
    return SchemaLoader.parse(yaml);
  }
}
