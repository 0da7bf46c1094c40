package io.fieldsync.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.schema.Column;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.store.JournalEntry;
import io.fieldsync.store.PullPage;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.store.SyncStore;
import io.fieldsync.testkit.SeededTest;
import io.fieldsync.testkit.ServerDatabase;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.FieldVersion;
import io.fieldsync.wire.RecordVersions;
import io.fieldsync.wire.SentFields;
import io.fieldsync.wire.Values;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded write transactions straight on the store, each saving a few to several hundred records
 * (many rows to one statement, and the rest) of two tables: the same record saved several times in
 * one transaction, deletes between saves, journal entries, loads in the middle of a transaction and
 * transactions rolled back. Afterwards every record must be as the test's model says (last save
 * wins, sequence, tombstone, values), the user tables must hold exactly the live records, and every
 * record's journal must be the entries of the committed transactions in the order written, with
 * their sent fields as given (JSON, encoded, or none), and the decisions listed newest first: a row
 * lost, written twice, written out of order or left over from a rolled-back transaction shows.
 */
class SeededStoreWritesTest {
  private static final String TENANT = "acme";

  private static final Schema SCHEMA = SchemaLoader.parse(Households.SCHEMA);

  @TempDir Path dir;

  /** The store's database: SQLite here, PostgreSQL in a subclass. */
  ServerDatabase database() {
    return ServerDatabase.sqlite(dir.resolve("store.db"));
  }

  /** A record as the model holds it after its last committed save. */
  private record Expected(long seq, boolean deleted, Map<String, Object> values) {}

  private static final class Model {
    final Map<String, Expected> records = new TreeMap<>();
    final Map<String, List<String>> journal = new TreeMap<>();

    /** The journal entries other than a plain apply, in the order written. */
    final List<String> decisions = new ArrayList<>();

    Model copy() {
      Model copy = new Model();
      copy.records.putAll(records);
      copy.decisions.addAll(decisions);
      journal.forEach((key, entries) -> copy.journal.put(key, new ArrayList<>(entries)));
      return copy;
    }
  }

  /** Thrown by a transaction the test rolls back on purpose. */
  private static final class RollBack extends RuntimeException {
    RollBack() {
      super("rolled back on purpose");
    }
  }

  @SeededTest(runs = 2)
  void everyWriteOfATransactionLandsOnceInOrder(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    try (ServerDatabase database = database();
        SyncStore store = database.open(StoreOptions.DEFAULTS)) {
      store.migrate(SCHEMA);
      Model committed = new Model();
      int[] marker = {0};
      for (int r = 0; r < 12; r++) {
        int round = r;
        Model working = committed.copy();
        int writes = 1 + random.nextInt(random.nextBoolean() ? 70 : 400);
        int pool = 1 + random.nextInt(writes + 20);
        boolean rollBack = random.nextInt(6) == 0;
        try {
          store.write(
              TENANT,
              transaction -> {
                for (int w = 0; w < writes; w++) {
                  String table = random.nextInt(3) == 0 ? "visits" : "households";
                  String id = id(table, random.nextInt(pool));
                  String key = table + "/" + id;
                  Expected before = working.records.get(key);
                  long seq = transaction.nextSequence();
                  boolean delete = before != null && !before.deleted() && random.nextInt(4) == 0;
                  Map<String, Object> values = delete ? before.values() : values(table, id, random);
                  transaction.save(
                      new StoredRecord(table, id, seq, delete, values, versions(seq, values)));
                  working.records.put(key, new Expected(seq, delete, values));
                  int write = marker[0]++;
                  String outcome = random.nextInt(8) == 0 ? "kept" : "applied";
                  JournalEntry entry =
                      new JournalEntry(
                          seq,
                          table,
                          id,
                          delete ? "delete" : "update",
                          null,
                          seq << 16,
                          "tablet-1",
                          "batch-" + round,
                          outcome);
                  String fields =
                      switch (random.nextInt(3)) {
                        case 0 -> { // the sent fields as JSON
                          String json = "write-" + write;
                          transaction.journal(JournalEntry.withFields(entry, json));
                          yield json;
                        }
                        case 1 -> { // encoded, as a push gives them
                          transaction.journal(entry, SentFields.encode(sentNote(write)));
                          yield "{\"note\":{\"value\":\"write "
                              + write
                              + "\",\"hlc\":"
                              + write
                              + "}}";
                        }
                        default -> { // none (a delete)
                          transaction.journal(entry, null);
                          yield null;
                        }
                      };
                  working.journal.computeIfAbsent(key, unused -> new ArrayList<>()).add(fields);
                  if (!outcome.equals("applied")) {
                    working.decisions.add(key + " " + fields);
                  }
                  if (random.nextInt(25) == 0) {
                    String other = id(table, random.nextInt(pool));
                    StoredRecord loaded = transaction.load(table, List.of(other)).get(other);
                    Expected expected = working.records.get(table + "/" + other);
                    assertThat(loaded == null ? null : expect(loaded))
                        .as("load inside the transaction, seed %d round %d", seed, round)
                        .isEqualTo(expected);
                  }
                }
                if (rollBack) {
                  throw new RollBack();
                }
                return null;
              });
        } catch (RollBack expected) {
          continue;
        }
        committed = working;
      }

      Map<String, Expected> pulled = new TreeMap<>();
      long cursor = 0;
      for (PullPage page = store.pull(TENANT, cursor, 150);
          !page.records().isEmpty();
          page = store.pull(TENANT, cursor, 150)) {
        for (StoredRecord record : page.records()) {
          Expected previous = pulled.put(record.table() + "/" + record.id(), expect(record));
          assertThat(previous).as("pulled twice: %s", record.id()).isNull();
          cursor = record.seq();
        }
      }
      assertThat(pulled).as("records, seed %d", seed).isEqualTo(committed.records);

      Map<String, List<String>> journal = new TreeMap<>();
      for (String key : committed.records.keySet()) {
        String[] parts = key.split("/", 2);
        List<String> fields = new ArrayList<>();
        for (JournalEntry entry : store.recordHistory(TENANT, parts[0], parts[1], 10_000)) {
          fields.add(entry.fields());
        }
        journal.put(key, fields);
      }
      assertThat(journal).as("journal per record, seed %d", seed).isEqualTo(committed.journal);
      List<String> decisions = new ArrayList<>();
      for (JournalEntry entry : store.recentDecisions(TENANT, 10_000)) {
        decisions.add(0, entry.table() + "/" + entry.recordId() + " " + entry.fields());
      }
      assertThat(decisions)
          .as("decisions, newest first, seed %d", seed)
          .isEqualTo(committed.decisions);

      Map<String, Map<String, Object>> scanned = new TreeMap<>();
      for (String table : SCHEMA.tables().keySet()) {
        store.scanLive(
            TENANT, table, record -> scanned.put(table + "/" + record.id(), record.values()));
      }
      Map<String, Map<String, Object>> liveValues = new TreeMap<>();
      committed.records.forEach(
          (key, expected) -> {
            if (!expected.deleted()) {
              liveValues.put(key, expected.values());
            }
          });
      assertThat(scanned).as("user-table rows: the live records' values").isEqualTo(liveValues);
    }
  }

  /** A change sending one text field, {@code note}, stamped with {@code write}. */
  private static Change sentNote(int write) {
    return Change.newBuilder()
        .addFields(
            FieldChange.newBuilder()
                .setColumn("note")
                .setValue(Values.toWire("write " + write))
                .setHlc(write))
        .build();
  }

  private static String id(String table, int n) {
    return Households.uuid(table.equals("visits") ? 100_000 + n : n);
  }

  /** Random values of every column, some null; JSON columns null. */
  private static Map<String, Object> values(String table, String id, SplittableRandom random) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (Column column : SCHEMA.requireTable(table).columns().values()) {
      boolean none = !column.required() && random.nextInt(4) == 0;
      Object value =
          column.primaryKey()
              ? id
              : none
                  ? null
                  : switch (column.type()) {
                    case TEXT -> column.name() + " " + random.nextInt(1_000_000);
                    case INTEGER -> random.nextLong(-1_000_000, 1_000_000);
                    case REAL -> random.nextInt(100_000) / 8.0;
                    case UUID -> Households.uuid(random.nextInt(1_000));
                    case TIMESTAMP ->
                        Instant.ofEpochSecond(1_800_000_000L + random.nextInt(1_000_000))
                            .toString();
                    default -> null;
                  };
      values.put(column.name(), value);
    }
    return values;
  }

  private static RecordVersions versions(long seq, Map<String, Object> values) {
    FieldVersion version =
        FieldVersion.newBuilder().setSeq(seq).setHlc(seq << 16).setDevice("tablet-1").build();
    RecordVersions.Builder versions = RecordVersions.newBuilder().setRow(version);
    for (String column : values.keySet()) {
      versions.putFields(column, version);
    }
    return versions.build();
  }

  private static Expected expect(StoredRecord record) {
    assertThat(record.versions().getRow().getSeq())
        .as("row version of %s", record.id())
        .isEqualTo(record.seq());
    return new Expected(record.seq(), record.deleted(), new LinkedHashMap<>(record.values()));
  }
}
