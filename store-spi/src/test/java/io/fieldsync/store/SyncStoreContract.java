package io.fieldsync.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.ConfigException;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.schema.Table;
import io.fieldsync.wire.FieldVersion;
import io.fieldsync.wire.RecordVersions;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviour every {@link SyncStore} backend promises. A backend's test extends this class and
 * opens a fresh, empty store in {@link #openStore}; {@link #reopenStore} must open the same
 * database again (for migration tests).
 */
public abstract class SyncStoreContract {
  protected static final String TENANT = "acme";
  protected static final String OTHER_TENANT = "globex";

  protected static final Schema SCHEMA_V1 =
      SchemaLoader.parse(
          """
          version: 1
          tables:
            households:
              columns:
                id:        { type: uuid, primary_key: true }
                region:    { type: text, required: true }
                head_name: { type: text }
                visits:    { type: integer, conflict: sum }
                active:    { type: boolean }
                score:     { type: real }
                seen_at:   { type: timestamp }
                tags:      { type: json, conflict: union }
            visits:
              columns:
                id:           { type: uuid, primary_key: true }
                household_id: { type: uuid, references: households }
                note:         { type: text }
          """);

  protected static final Schema SCHEMA_V2 =
      SchemaLoader.parse(
          """
          version: 2
          tables:
            households:
              columns:
                id:        { type: uuid, primary_key: true }
                region:    { type: text, required: true }
                head_name: { type: text }
                visits:    { type: integer, conflict: sum }
                active:    { type: boolean }
                score:     { type: real }
                seen_at:   { type: timestamp }
                tags:      { type: json, conflict: union }
                phone:     { type: text }
            visits:
              columns:
                id:           { type: uuid, primary_key: true }
                household_id: { type: uuid, references: households }
                note:         { type: text }
            crops:
              columns:
                id:    { type: text, primary_key: true }
                yield: { type: real }
          """);

  @TempDir protected Path dir;
  protected SyncStore store;

  /** Opens a new, empty store of the backend under test. */
  protected abstract SyncStore openStore(Path dir);

  /** Opens the database {@link #openStore} opened, again. */
  protected abstract SyncStore reopenStore(Path dir);

  /** A plain JDBC connection to that database, to give it the layout of an earlier release. */
  protected abstract Connection connect(Path dir) throws SQLException;

  @BeforeEach
  void open() {
    store = openStore(dir);
    store.migrate(SCHEMA_V1);
  }

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  protected static String uuid(int n) {
    return String.format("00000000-0000-7000-8000-%012d", n);
  }

  protected static StoredRecord household(String id, long seq, String region, long visits) {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("id", id);
    values.put("region", region);
    values.put("head_name", "Ada");
    values.put("visits", visits);
    values.put("active", true);
    values.put("score", 2.5);
    values.put("seen_at", "2026-11-22T10:15:30Z");
    values.put("tags", "[\"a\"]");
    RecordVersions.Builder versions = RecordVersions.newBuilder();
    versions.setRow(FieldVersion.newBuilder().setSeq(seq).setHlc(seq * 65536).setDevice("d1"));
    for (String column : values.keySet()) {
      if (!column.equals("id")) {
        versions.putFields(
            column,
            FieldVersion.newBuilder().setSeq(seq).setHlc(seq * 65536).setDevice("d1").build());
      }
    }
    return new StoredRecord("households", id, seq, false, values, versions.build());
  }

  private long saveHousehold(String tenant, int n, String region) {
    return store.write(
        tenant,
        transaction -> {
          long seq = transaction.nextSequence();
          transaction.save(household(uuid(n), seq, region, n));
          return seq;
        });
  }

  @Test
  void deviceBatchNumbersOnlyRiseAndRollBackWithTheirTransaction() {
    assertThat(store.lastDeviceBatch(TENANT, "tablet-7")).isZero();
    store.write(
        TENANT,
        transaction -> {
          transaction.recordDeviceBatch("tablet-7", 3);
          return null;
        });
    store.write(
        TENANT,
        transaction -> {
          transaction.recordDeviceBatch("tablet-7", 2);
          return null;
        });
    assertThatThrownBy(
            () ->
                store.write(
                    TENANT,
                    transaction -> {
                      transaction.recordDeviceBatch("tablet-7", 9);
                      throw new IllegalStateException("the batch failed");
                    }))
        .isInstanceOf(IllegalStateException.class);
    assertThat(store.lastDeviceBatch(TENANT, "tablet-7")).isEqualTo(3);
    assertThat(store.lastDeviceBatch(OTHER_TENANT, "tablet-7")).isZero();
    assertThat(store.lastDeviceBatch(TENANT, "tablet-8")).isZero();
  }

  @Test
  void revokedDevicesArePerTenantAndTheLineOnlyMovesForward() {
    assertThat(store.revokedDevices(TENANT)).isEmpty();
    store.revokeDevice(TENANT, "tablet-7", 1_000);
    store.revokeDevice(TENANT, "tablet-8", 2_000);
    store.revokeDevice(TENANT, "tablet-7", 500);
    assertThat(store.revokedDevices(TENANT))
        .containsExactly(Map.entry("tablet-7", 1_000L), Map.entry("tablet-8", 2_000L));
    store.revokeDevice(TENANT, "tablet-7", 3_000);
    assertThat(store.revokedDevices(TENANT)).containsEntry("tablet-7", 3_000L);
    assertThat(store.revokedDevices(OTHER_TENANT)).isEmpty();
    store.close();
    store = reopenStore(dir);
    assertThat(store.revokedDevices(TENANT)).containsEntry("tablet-7", 3_000L).hasSize(2);
  }

  @Test
  void aSettingKeepsItsFirstValueAcrossReopening() {
    assertThat(store.setting("token_secret_fingerprint")).isNull();
    assertThat(store.settingIfAbsent("token_secret_fingerprint", "first")).isEqualTo("first");
    assertThat(store.settingIfAbsent("token_secret_fingerprint", "second")).isEqualTo("first");
    assertThat(store.settingIfAbsent("other", "x")).isEqualTo("x");
    store.close();
    store = reopenStore(dir);
    store.migrate(SCHEMA_V1);
    assertThat(store.setting("token_secret_fingerprint")).isEqualTo("first");
    assertThat(store.setting("other")).isEqualTo("x");
  }

  @Test
  void manySettingsAreReadTogetherPastOneChunkLeavingOutThoseWithoutAValue() {
    Map<String, String> expected = new LinkedHashMap<>();
    List<String> asked = new ArrayList<>();
    for (int n = 0; n < 1_200; n++) {
      String key = "uplink/acme/households/" + n;
      asked.add(key);
      if (n % 3 != 0) {
        store.settingIfAbsent(key, "base " + n);
        expected.put(key, "base " + n);
      }
    }
    assertThat(store.settings(asked)).isEqualTo(expected);
    assertThat(store.settings(List.of())).isEmpty();
  }

  @Test
  void aSettingIsReplacedOnlyWhereItHoldsTheExpectedValue() {
    store.settingIfAbsent("key", "old");

    assertThat(store.replaceSetting("key", "other", "new")).isEqualTo("old");
    assertThat(store.replaceSetting("absent", "old", "new")).isNull();
    assertThat(store.replaceSetting("key", "old", "new")).isEqualTo("new");
    assertThat(store.replaceSetting("key", "old", "newer")).isEqualTo("new");
    assertThat(store.setting("key")).isEqualTo("new");
    assertThat(store.setting("absent")).isNull();
  }

  @Test
  void ofFirstValuesOfferedAtOnceExactlyOneIsKeptAndEveryCallerIsToldIt() throws Exception {
    int offers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(offers);
    try {
      List<Future<String>> answers = new ArrayList<>();
      for (int offer = 0; offer < offers; offer++) {
        String value = "value-" + offer;
        answers.add(pool.submit(() -> store.settingIfAbsent("key", value)));
      }
      List<String> told = new ArrayList<>();
      for (Future<String> answer : answers) {
        told.add(answer.get(60, TimeUnit.SECONDS));
      }
      String kept = store.setting("key");
      assertThat(kept).matches("value-[0-7]");
      assertThat(told).containsOnly(kept);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void sequenceStartsAtZeroAndGrowsByOneWithoutGaps() {
    assertThat(store.currentSequence(TENANT)).isZero();
    List<Long> seen = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      seen.add(
          store.write(
              TENANT,
              transaction -> {
                long first = transaction.nextSequence();
                long second = transaction.nextSequence();
                assertThat(transaction.sequence()).isEqualTo(second);
                return first * 100 + second;
              }));
    }
    assertThat(seen).containsExactly(102L, 304L, 506L, 708L, 910L);
    assertThat(store.currentSequence(TENANT)).isEqualTo(10);
  }

  @Test
  void failedWriteRollsBackItsSequenceAndRecords() {
    saveHousehold(TENANT, 1, "north");
    assertThatThrownBy(
            () ->
                store.write(
                    TENANT,
                    transaction -> {
                      long seq = transaction.nextSequence();
                      transaction.save(household(uuid(2), seq, "south", 2));
                      throw new IllegalStateException("boom");
                    }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("boom");
    assertThat(store.currentSequence(TENANT)).isEqualTo(1);
    assertThat(store.pull(TENANT, 0, 100).records()).hasSize(1);
    assertThat(saveHousehold(TENANT, 3, "east")).isEqualTo(2);
    // The failed write's queued rows must not reach the next write on the same connection.
    assertThat(store.pull(TENANT, 0, 100).records())
        .extracting(StoredRecord::id)
        .containsExactly(uuid(1), uuid(3));
  }

  @Test
  void concurrentWritersGetDistinctGapFreeSequences() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Long>> futures = new ArrayList<>();
      for (int i = 1; i <= 40; i++) {
        int n = i;
        futures.add(pool.submit(() -> saveHousehold(TENANT, n, "north")));
      }
      List<Long> sequences = new ArrayList<>();
      for (Future<Long> future : futures) {
        sequences.add(future.get(30, TimeUnit.SECONDS));
      }
      assertThat(sequences).doesNotHaveDuplicates().hasSize(40);
      assertThat(sequences).allMatch(seq -> seq >= 1 && seq <= 40);
    } finally {
      pool.shutdownNow();
    }
    PullPage page = store.pull(TENANT, 0, 1000);
    assertThat(page.sequence()).isEqualTo(40);
    assertThat(page.records()).extracting(StoredRecord::seq).isSorted().hasSize(40);
  }

  @Test
  void savedRecordLoadsBackWithCanonicalValuesAndVersions() {
    StoredRecord saved = household(uuid(1), 1, "north", 7);
    store.write(
        TENANT,
        transaction -> {
          transaction.nextSequence();
          transaction.save(saved);
          return null;
        });
    StoredRecord loaded =
        store.write(
            TENANT, transaction -> transaction.load("households", List.of(uuid(1))).get(uuid(1)));
    assertThat(loaded.values()).isEqualTo(saved.values());
    assertThat(loaded.versions()).isEqualTo(saved.versions());
    assertThat(loaded.seq()).isEqualTo(1);
    assertThat(loaded.deleted()).isFalse();
  }

  /**
   * Stores written before the compact encoding hold the versions as {@link RecordVersions} bytes;
   * those records, saved as they were, load and pull back with every version as written, next to
   * records saved now.
   */
  @Test
  void versionsStoredInTheMessageEncodingReadBackBesideCompactOnes() {
    List<StoredRecord> saved = new ArrayList<>();
    store.write(
        TENANT,
        transaction -> {
          for (int n = 1; n <= 6; n++) {
            long seq = transaction.nextSequence();
            StoredRecord record = household(uuid(n), seq, "r" + n, n);
            RecordVersions.Builder versions = record.versions().toBuilder();
            // a field written later by another device, so versions differ within a record
            versions.putFields(
                "head_name",
                FieldVersion.newBuilder().setSeq(seq).setHlc(n).setDevice("tablet-" + n).build());
            StoredRecord mixed =
                new StoredRecord(
                    "households", record.id(), seq, false, record.values(), versions.build());
            saved.add(mixed);
            transaction.save(
                n % 2 == 0
                    ? mixed
                    : StoredRecord.encoded(
                        "households",
                        record.id(),
                        seq,
                        false,
                        new LinkedHashMap<>(record.values()),
                        versions.build().toByteArray(),
                        "the test"));
          }
          return null;
        });
    List<String> ids = saved.stream().map(StoredRecord::id).toList();
    Map<String, StoredRecord> loaded =
        store.write(TENANT, transaction -> transaction.load("households", ids));
    Map<String, StoredRecord> pulled = new LinkedHashMap<>();
    for (StoredRecord record : store.pull(TENANT, 0, 1000).records()) {
      pulled.put(record.id(), record);
    }
    for (StoredRecord expected : saved) {
      assertThat(loaded.get(expected.id()).versions())
          .as("loaded %s", expected.id())
          .isEqualTo(expected.versions());
      assertThat(pulled.get(expected.id()).versions())
          .as("pulled %s", expected.id())
          .isEqualTo(expected.versions());
    }
  }

  @Test
  void loadReturnsOnlyKnownIdsAndManyAtOnce() {
    store.write(
        TENANT,
        transaction -> {
          for (int i = 1; i <= 1200; i++) {
            transaction.save(household(uuid(i), transaction.nextSequence(), "north", i));
          }
          return null;
        });
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= 1300; i++) {
      ids.add(uuid(i));
    }
    Map<String, StoredRecord> loaded =
        store.write(TENANT, transaction -> transaction.load("households", ids));
    assertThat(loaded).hasSize(1200).containsKey(uuid(1200)).doesNotContainKey(uuid(1201));
    assertThat(loaded.get(uuid(640)).values().get("visits")).isEqualTo(640L);
  }

  @Test
  void tenantsNeverSeeEachOthersRecords() {
    saveHousehold(TENANT, 1, "north");
    saveHousehold(OTHER_TENANT, 2, "south");
    saveHousehold(OTHER_TENANT, 3, "south");
    assertThat(store.pull(TENANT, 0, 100).records())
        .extracting(StoredRecord::id)
        .containsExactly(uuid(1));
    assertThat(store.pull(OTHER_TENANT, 0, 100).records())
        .extracting(StoredRecord::id)
        .containsExactly(uuid(2), uuid(3));
    assertThat(store.currentSequence(TENANT)).isEqualTo(1);
    assertThat(store.currentSequence(OTHER_TENANT)).isEqualTo(2);
    Map<String, StoredRecord> foreign =
        store.write(TENANT, transaction -> transaction.load("households", List.of(uuid(2))));
    assertThat(foreign).isEmpty();
  }

  @Test
  void sameRecordIdInTwoTenantsIsTwoRecords() {
    saveHousehold(TENANT, 1, "north");
    saveHousehold(OTHER_TENANT, 1, "south");
    assertThat(store.pull(TENANT, 0, 10).records().get(0).values().get("region"))
        .isEqualTo("north");
    assertThat(store.pull(OTHER_TENANT, 0, 10).records().get(0).values().get("region"))
        .isEqualTo("south");
  }

  @Test
  void pullPagesAscendBySequenceAboveTheCursor() {
    for (int i = 1; i <= 5; i++) {
      saveHousehold(TENANT, i, "north");
    }
    PullPage first = store.pull(TENANT, 0, 2);
    assertThat(first.records()).extracting(StoredRecord::seq).containsExactly(1L, 2L);
    assertThat(first.sequence()).isEqualTo(5);
    PullPage rest = store.pull(TENANT, 2, 100);
    assertThat(rest.records()).extracting(StoredRecord::seq).containsExactly(3L, 4L, 5L);
    assertThat(store.pull(TENANT, 5, 100).records()).isEmpty();
  }

  @Test
  void pagesAcrossTablesAndTombstonesDeliverEveryRecordOnceInSequenceOrder() {
    for (int n = 1; n <= 4; n++) {
      int household = n;
      saveHousehold(TENANT, household, "north");
      store.write(
          TENANT,
          transaction -> {
            transaction.save(
                visit(uuid(100 + household), transaction.nextSequence(), uuid(household), false));
            return null;
          });
    }
    deleteHousehold(TENANT, 2);
    saveHousehold(TENANT, 3, "south"); // moves household 3 to the newest sequence

    PullPage whole = store.pull(TENANT, 0, 100);
    List<String> paged = new ArrayList<>();
    long cursor = 0;
    for (PullPage page = store.pull(TENANT, cursor, 3);
        !page.records().isEmpty();
        page = store.pull(TENANT, cursor, 3)) {
      assertThat(page.records()).hasSizeLessThanOrEqualTo(3);
      for (StoredRecord record : page.records()) {
        paged.add(record.table() + ":" + record.id() + "@" + record.seq());
        cursor = record.seq();
      }
    }

    assertThat(whole.records()).extracting(StoredRecord::seq).isSorted();
    assertThat(whole.records())
        .extracting(record -> record.table() + ":" + record.id() + "@" + record.seq())
        .containsExactlyElementsOf(paged)
        .hasSize(8);
    StoredRecord tombstone =
        whole.records().stream().filter(StoredRecord::deleted).findFirst().orElseThrow();
    assertThat(tombstone.id()).isEqualTo(uuid(2));
    assertThat(tombstone.values()).containsEntry("region", "north");
    StoredRecord moved =
        whole.records().stream().filter(r -> r.id().equals(uuid(3))).findFirst().orElseThrow();
    assertThat(moved.values()).containsEntry("region", "south");
    assertThat(whole.records().get(whole.records().size() - 1).id()).isEqualTo(uuid(3));
  }

  /**
   * Random households (nulls and values of every type, some saved again, some deleted) read back by
   * pages of random sizes and by id: every record exactly once at its latest sequence, with the
   * values it was last saved with, and a live record read column by column agrees with its map.
   */
  @Test
  void randomRecordsPullInRandomPagesOnceEachWithTheValuesLastSaved() {
    for (long seed = 1; seed <= 3; seed++) {
      String tenant = "seeded-" + seed;
      SplittableRandom random = new SplittableRandom(seed);
      Map<String, StoredRecord> model = new LinkedHashMap<>();
      int count = 150 + random.nextInt(100);
      for (int step = 0; step < count * 2; step++) {
        String id = uuid(1 + random.nextInt(count));
        StoredRecord before = model.get(id);
        boolean delete = before != null && !before.deleted() && random.nextInt(5) == 0;
        StoredRecord saved =
            saveNext(tenant, delete ? before : null, seq -> randomHousehold(random, id, seq));
        model.put(id, saved);
      }
      String where = "seed " + seed + " (" + dir + ")";
      Map<String, StoredRecord> pulled = new LinkedHashMap<>();
      long cursor = 0;
      for (PullPage page = store.pull(tenant, cursor, 1 + random.nextInt(40));
          !page.records().isEmpty();
          page = store.pull(tenant, cursor, 1 + random.nextInt(40))) {
        for (StoredRecord record : page.records()) {
          assertThat(pulled.put(record.id(), record)).as(where + ": pulled twice").isNull();
          cursor = record.seq();
        }
      }
      assertThat(pulled.keySet()).as(where).isEqualTo(model.keySet());
      Map<String, StoredRecord> loaded = store.records(tenant, "households", model.keySet());
      for (StoredRecord expected : model.values()) {
        for (StoredRecord read : List.of(pulled.get(expected.id()), loaded.get(expected.id()))) {
          assertThat(read.seq()).as(where).isEqualTo(expected.seq());
          assertThat(read.deleted()).as(where).isEqualTo(expected.deleted());
          assertThat(read.values()).as(where).isEqualTo(expected.values());
          assertThat(read.versions()).as(where).isEqualTo(expected.versions());
          if (read.columnValues() != null) {
            Map<String, Object> byPosition = new LinkedHashMap<>();
            for (int i = 0; i < read.columnNames().length; i++) {
              byPosition.put(read.columnNames()[i], read.columnValues()[i]);
            }
            assertThat(byPosition).as(where).isEqualTo(expected.values());
          }
        }
      }
    }
  }

  /**
   * Households and visits of two tenants saved, saved again and deleted in random order, then each
   * tenant pulled in pages of random sizes: every record of the tenant, of either table, exactly
   * once, at its latest sequence, in sequence order, with the values it was last saved with, and
   * nothing of the other tenant. A page reads each table's records of its sequence range; this
   * holds that reading to the test's own model when the tables' records interleave.
   */
  @Test
  void recordsOfTwoTablesAndTenantsPullInRandomPagesOnceEachInSequenceOrder() {
    pullsRecordsOfTwoTablesAndTenantsOnceEach(11, 13);
  }

  /**
   * A store made when the pull's index was {@code (tenant, seq)} gets {@code (tenant, seq, tbl)} at
   * its next migration, once, and pulls the records it held, and new ones, as before.
   */
  @Test
  void aStoreWithTheEarlierSequenceIndexGetsTheWiderOneAndPullsEveryRecordOnce() throws Exception {
    pullsRecordsOfTwoTablesAndTenantsOnceEach(21, 22);
    List<String> before = pulled("mixed-a-21", "mixed-b-22");
    store.close();
    try (Connection connection = connect(dir);
        Statement statement = connection.createStatement()) {
      statement.execute("DROP INDEX _fs_records_by_seq");
      statement.execute("CREATE INDEX _fs_records_by_seq ON _fs_records (tenant, seq)");
    }
    assertThat(sequenceIndexColumns()).containsExactly("tenant", "seq");
    store = reopenStore(dir);
    store.migrate(SCHEMA_V1);

    assertThat(sequenceIndexColumns()).containsExactly("tenant", "seq", "tbl");
    assertThat(pulled("mixed-a-21", "mixed-b-22")).isEqualTo(before);
    pullsRecordsOfTwoTablesAndTenantsOnceEach(23, 24);
    store.migrate(SCHEMA_V1);
    assertThat(sequenceIndexColumns()).containsExactly("tenant", "seq", "tbl");
  }

  /** Every record of the tenants, pulled in one page each: tenant, table, id, sequence, state. */
  private List<String> pulled(String... tenants) {
    List<String> records = new ArrayList<>();
    for (String tenant : tenants) {
      for (StoredRecord record : store.pull(tenant, 0, 100_000).records()) {
        records.add(
            tenant
                + " "
                + record.table()
                + " "
                + record.id()
                + " "
                + record.seq()
                + " "
                + record.deleted()
                + " "
                + record.values());
      }
    }
    assertThat(records).isNotEmpty();
    return records;
  }

  /** The columns of the pull's sequence index, in order. */
  private List<String> sequenceIndexColumns() throws SQLException {
    Map<Integer, String> columns = new java.util.TreeMap<>();
    try (Connection connection = connect(dir);
        ResultSet rows =
            connection
                .getMetaData()
                .getIndexInfo(
                    connection.getCatalog(), connection.getSchema(), "_fs_records", false, false)) {
      while (rows.next()) {
        if ("_fs_records_by_seq".equalsIgnoreCase(rows.getString("INDEX_NAME"))) {
          columns.put(rows.getInt("ORDINAL_POSITION"), rows.getString("COLUMN_NAME"));
        }
      }
    }
    return new ArrayList<>(columns.values());
  }

  /** The test above for seeds {@code first} to {@code last}, on {@link #store}. */
  protected void pullsRecordsOfTwoTablesAndTenantsOnceEach(long first, long last) {
    for (long seed = first; seed <= last; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      String[] tenants = {"mixed-a-" + seed, "mixed-b-" + seed};
      Map<String, Map<String, StoredRecord>> models = new LinkedHashMap<>();
      for (String tenant : tenants) {
        models.put(tenant, new LinkedHashMap<>());
      }
      int count = 40 + random.nextInt(40);
      for (int step = 0; step < count * 6; step++) {
        String tenant = tenants[random.nextInt(2)];
        Map<String, StoredRecord> model = models.get(tenant);
        boolean visit = random.nextInt(3) > 0;
        String id = uuid(1 + random.nextInt(count));
        String key = (visit ? "visits:" : "households:") + id;
        StoredRecord before = model.get(key);
        boolean delete = before != null && !before.deleted() && random.nextInt(5) == 0;
        StoredRecord saved =
            saveNext(
                tenant,
                delete ? before : null,
                seq -> visit ? randomVisit(random, id, seq) : randomHousehold(random, id, seq));
        model.put(key, saved);
      }
      for (String tenant : tenants) {
        String where = "seed " + seed + ", tenant " + tenant + " (" + dir + ")";
        Map<String, StoredRecord> model = models.get(tenant);
        Map<String, StoredRecord> pulled = new LinkedHashMap<>();
        long cursor = 0;
        for (PullPage page = store.pull(tenant, cursor, 1 + random.nextInt(30));
            !page.records().isEmpty();
            page = store.pull(tenant, cursor, 1 + random.nextInt(30))) {
          for (StoredRecord record : page.records()) {
            assertThat(record.seq()).as(where + ": sequence order").isGreaterThan(cursor);
            assertThat(pulled.put(record.table() + ":" + record.id(), record))
                .as(where + ": pulled twice")
                .isNull();
            cursor = record.seq();
          }
        }
        assertThat(pulled.keySet()).as(where).containsExactlyInAnyOrderElementsOf(model.keySet());
        for (Map.Entry<String, StoredRecord> entry : model.entrySet()) {
          StoredRecord expected = entry.getValue();
          StoredRecord read = pulled.get(entry.getKey());
          assertThat(read.seq()).as(where).isEqualTo(expected.seq());
          assertThat(read.deleted()).as(where).isEqualTo(expected.deleted());
          assertThat(read.values()).as(where).isEqualTo(expected.values());
          assertThat(read.versions()).as(where).isEqualTo(expected.versions());
        }
      }
    }
  }

  /**
   * Texts of random length drawn from ASCII, accented letters, CJK, emoji (surrogate pairs),
   * quotes, control characters and the empty text, in text and JSON columns, with nulls: pulled and
   * loaded, each reads back exactly as saved.
   */
  @Test
  void textsOfAnyScriptReadBackExactlyWhetherPulledOrLoaded() {
    String[] pieces = {
      "a", "Z", "0", " ", "\u00fc", "\u00e9", "\u4e2d", "\ud83d\ude00", "'", "\"", "\t"
    };
    SplittableRandom random = new SplittableRandom(31);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int n = 1; n <= 200; n++) {
      String id = uuid(n);
      StringBuilder name = new StringBuilder();
      for (int i = random.nextInt(12); i > 0; i--) {
        name.append(pieces[random.nextInt(pieces.length)]);
      }
      Map<String, Object> values = new LinkedHashMap<>();
      values.put("id", id);
      values.put("region", name.toString());
      values.put("head_name", random.nextInt(5) == 0 ? null : name.toString());
      values.put("visits", null);
      values.put("active", null);
      values.put("score", null);
      values.put("seen_at", null);
      values.put(
          "tags",
          random.nextInt(5) == 0
              ? null
              : "[\""
                  + name.toString().replace("\\", "\\\\").replace("\"", "\\\"").replace("\t", "\\t")
                  + "\"]");
      rows.add(values);
    }
    assertReadBackExactly(rows);
  }

  /**
   * Integers, booleans and reals around zero, at their extremes and null, in every combination
   * drawn: pulled and loaded, each reads back exactly as saved (a zero is not read as a null, nor a
   * null as a zero).
   */
  @Test
  void numbersAndBooleansReadBackExactlyWhetherPulledOrLoaded() {
    Long[] integers = {null, 0L, 1L, -1L, 2L, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 53, -4096L};
    Boolean[] flags = {null, true, false};
    Double[] reals = {
      null, 0.0, 1.0, -1.0, 0.5, -2.25, 1e-300, -1e300, Double.MIN_VALUE, Double.MAX_VALUE, 3.0, 0.1
    };
    SplittableRandom random = new SplittableRandom(41);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int n = 1; n <= 300; n++) {
      Map<String, Object> values = new LinkedHashMap<>();
      values.put("id", uuid(n));
      values.put("region", "r" + n);
      values.put("head_name", null);
      values.put("visits", integers[random.nextInt(integers.length)]);
      values.put("active", flags[random.nextInt(flags.length)]);
      values.put("score", reals[random.nextInt(reals.length)]);
      values.put("seen_at", null);
      values.put("tags", null);
      rows.add(values);
    }
    assertReadBackExactly(rows);
  }

  /** Saves each of {@code rows} as a households record; pulled and loaded, each reads back so. */
  private void assertReadBackExactly(List<Map<String, Object>> rows) {
    Map<String, StoredRecord> model = new LinkedHashMap<>();
    for (Map<String, Object> values : rows) {
      String id = (String) values.get("id");
      store.write(
          TENANT,
          transaction -> {
            long seq = transaction.nextSequence();
            StoredRecord record =
                new StoredRecord(
                    "households",
                    id,
                    seq,
                    false,
                    values,
                    RecordVersions.newBuilder()
                        .setRow(FieldVersion.newBuilder().setSeq(seq).setHlc(seq).setDevice("d1"))
                        .build());
            transaction.save(record);
            model.put(id, record);
            return null;
          });
    }
    Map<String, Object> pulled = new LinkedHashMap<>();
    for (StoredRecord record : store.pull(TENANT, 0, 1000).records()) {
      pulled.put(record.id(), record.values());
    }
    Map<String, Object> loaded = new LinkedHashMap<>();
    store
        .records(TENANT, "households", model.keySet())
        .forEach((id, r) -> loaded.put(id, r.values()));
    Map<String, Object> expected = new LinkedHashMap<>();
    model.forEach((id, record) -> expected.put(id, record.values()));
    assertThat(pulled).isEqualTo(expected);
    assertThat(loaded).isEqualTo(expected);
  }

  /**
   * Saves in a transaction of its own, at the next sequence, the tombstone of {@code deleting} or,
   * when it is null, the record {@code live} makes for that sequence; returns what was saved.
   */
  private StoredRecord saveNext(
      String tenant, StoredRecord deleting, LongFunction<StoredRecord> live) {
    return store.write(
        tenant,
        transaction -> {
          long seq = transaction.nextSequence();
          StoredRecord record =
              deleting == null
                  ? live.apply(seq)
                  : new StoredRecord(
                      deleting.table(),
                      deleting.id(),
                      seq,
                      true,
                      deleting.values(),
                      deleting.versions());
          transaction.save(record);
          return record;
        });
  }

  private static StoredRecord randomVisit(SplittableRandom random, String id, long seq) {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("id", id);
    values.put("household_id", random.nextInt(4) == 0 ? null : uuid(1 + random.nextInt(50)));
    values.put("note", random.nextInt(4) == 0 ? null : "note " + random.nextInt(999));
    RecordVersions.Builder versions = RecordVersions.newBuilder();
    FieldVersion version =
        FieldVersion.newBuilder().setSeq(seq).setHlc(seq * 65536).setDevice("d" + seq % 2).build();
    versions.setRow(version);
    versions.putFields("household_id", version);
    versions.putFields("note", version);
    return new StoredRecord("visits", id, seq, false, values, versions.build());
  }

  private static StoredRecord randomHousehold(SplittableRandom random, String id, long seq) {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("id", id);
    values.put("region", "r" + random.nextInt(9));
    values.put("head_name", random.nextInt(4) == 0 ? null : "Ada \u00fc'\"" + random.nextInt(99));
    values.put("visits", random.nextInt(4) == 0 ? null : random.nextLong(-5, 1L << 40));
    values.put("active", random.nextInt(4) == 0 ? null : random.nextBoolean());
    values.put("score", random.nextInt(4) == 0 ? null : random.nextDouble(-1e6, 1e6));
    values.put(
        "seen_at",
        random.nextInt(4) == 0
            ? null
            : java.time.Instant.ofEpochMilli(random.nextLong(0, 4_000_000_000_000L)).toString());
    values.put("tags", random.nextInt(4) == 0 ? null : "[\"t" + random.nextInt(9) + "\"]");
    RecordVersions.Builder versions = RecordVersions.newBuilder();
    FieldVersion version =
        FieldVersion.newBuilder().setSeq(seq).setHlc(seq * 65536).setDevice("d" + seq % 3).build();
    versions.setRow(version);
    for (String column : values.keySet()) {
      if (!column.equals("id")) {
        versions.putFields(column, version);
      }
    }
    return new StoredRecord("households", id, seq, false, values, versions.build());
  }

  @Test
  void deleteKeepsATombstoneWithTheLastValues() {
    saveHousehold(TENANT, 1, "north");
    store.write(
        TENANT,
        transaction -> {
          StoredRecord live = transaction.load("households", List.of(uuid(1))).get(uuid(1));
          long seq = transaction.nextSequence();
          transaction.save(
              new StoredRecord("households", live.id(), seq, true, live.values(), live.versions()));
          return null;
        });
    PullPage page = store.pull(TENANT, 0, 100);
    assertThat(page.records()).hasSize(1);
    StoredRecord tombstone = page.records().get(0);
    assertThat(tombstone.deleted()).isTrue();
    assertThat(tombstone.seq()).isEqualTo(2);
    StoredRecord loaded =
        store.write(
            TENANT, transaction -> transaction.load("households", List.of(uuid(1))).get(uuid(1)));
    assertThat(loaded.deleted()).isTrue();
    assertThat(loaded.values()).containsEntry("region", "north").containsEntry("visits", 1L);
  }

  private static StoredRecord visit(String id, long seq, String householdId, boolean deleted) {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("id", id);
    values.put("household_id", householdId);
    values.put("note", "n");
    return new StoredRecord("visits", id, seq, deleted, values, null);
  }

  @Test
  void liveChildrenListsLiveRecordsPointingAtTheParentInThisTenantOnly() {
    saveHousehold(TENANT, 1, "north");
    saveHousehold(TENANT, 2, "north");
    store.write(
        TENANT,
        transaction -> {
          transaction.save(visit(uuid(11), transaction.nextSequence(), uuid(1), false));
          transaction.save(visit(uuid(12), transaction.nextSequence(), uuid(1), false));
          transaction.save(visit(uuid(13), transaction.nextSequence(), uuid(2), false));
          transaction.save(visit(uuid(14), transaction.nextSequence(), uuid(1), true));
          // Saved in this transaction and not yet committed: still seen.
          assertThat(transaction.liveChildren("visits", "household_id", uuid(1)))
              .containsExactlyInAnyOrder(uuid(11), uuid(12));
          return null;
        });
    store.write(
        OTHER_TENANT,
        transaction -> {
          transaction.save(visit(uuid(15), transaction.nextSequence(), uuid(1), false));
          return null;
        });
    assertThat(
            store.<List<String>>write(
                TENANT, transaction -> transaction.liveChildren("visits", "household_id", uuid(1))))
        .containsExactlyInAnyOrder(uuid(11), uuid(12));
    assertThat(
            store.<List<String>>write(
                TENANT, transaction -> transaction.liveChildren("visits", "household_id", uuid(3))))
        .isEmpty();
  }

  @Test
  void tombstonedRecordCanBeRestored() {
    saveHousehold(TENANT, 1, "north");
    store.write(
        TENANT,
        transaction -> {
          StoredRecord live = transaction.load("households", List.of(uuid(1))).get(uuid(1));
          transaction.save(
              new StoredRecord(
                  "households",
                  live.id(),
                  transaction.nextSequence(),
                  true,
                  live.values(),
                  live.versions()));
          StoredRecord dead = transaction.load("households", List.of(uuid(1))).get(uuid(1));
          transaction.save(
              new StoredRecord(
                  "households",
                  dead.id(),
                  transaction.nextSequence(),
                  false,
                  dead.values(),
                  dead.versions()));
          return null;
        });
    StoredRecord record = store.pull(TENANT, 0, 10).records().get(0);
    assertThat(record.deleted()).isFalse();
    assertThat(record.seq()).isEqualTo(3);
    assertThat(record.values()).containsEntry("region", "north");
  }

  @Test
  void batchOutcomeIsRecordedPerTenantAndDevice() {
    assertThat(store.batchOutcome(TENANT, "d1", "b1")).isEmpty();
    store.write(
        TENANT,
        transaction -> {
          transaction.recordBatch("d1", "b1", new byte[] {1, 2, 3});
          return null;
        });
    assertThat(store.batchOutcome(TENANT, "d1", "b1")).hasValue(new byte[] {1, 2, 3});
    assertThat(store.batchOutcome(TENANT, "d2", "b1")).isEmpty();
    assertThat(store.batchOutcome(OTHER_TENANT, "d1", "b1")).isEmpty();
    Optional<byte[]> inside =
        store.write(TENANT, transaction -> transaction.batchOutcome("d1", "b1"));
    assertThat(inside).hasValue(new byte[] {1, 2, 3});
  }

  @Test
  void journalWritesCommitWithTheTransaction() {
    store.write(
        TENANT,
        transaction -> {
          long seq = transaction.nextSequence();
          transaction.save(household(uuid(1), seq, "north", 1));
          transaction.journal(
              new JournalEntry(
                  seq, "households", uuid(1), "insert", "{}", 65536, "d1", "b1", "applied"));
          return null;
        });
    assertThat(store.currentSequence(TENANT)).isEqualTo(1);
  }

  @Test
  void reviewItemsAreParkedListedAndResolvedPerTenant() {
    long id =
        store.write(
            TENANT,
            transaction ->
                transaction.park(
                    new ReviewItem(
                        0,
                        "households",
                        uuid(1),
                        "head_name",
                        "Ada",
                        "Grace",
                        3,
                        65536,
                        "d1",
                        131072,
                        "d2",
                        "concurrent edit of a manual column",
                        1_700_000_000_000L,
                        "open",
                        null)));
    assertThat(id).isPositive();
    List<ReviewItem> open = store.reviewItems(TENANT, false);
    assertThat(open).hasSize(1);
    ReviewItem item = open.get(0);
    assertThat(item.id()).isEqualTo(id);
    assertThat(item.serverValue()).isEqualTo("Ada");
    assertThat(item.deviceValue()).isEqualTo("Grace");
    assertThat(item.status()).isEqualTo("open");
    assertThat(item.resolution()).isNull();
    assertThat(store.reviewItems(OTHER_TENANT, true)).isEmpty();
    assertThat(store.reviewItem(OTHER_TENANT, id)).isEmpty();

    boolean byOtherTenant =
        store.write(OTHER_TENANT, transaction -> transaction.resolveReview(id, "set", 5));
    boolean first =
        store.write(TENANT, transaction -> transaction.resolveReview(id, "keep_server", 5));
    boolean second = store.write(TENANT, transaction -> transaction.resolveReview(id, "set", 6));
    assertThat(byOtherTenant).isFalse();
    assertThat(first).isTrue();
    assertThat(second).isFalse();
    assertThat(store.reviewItems(TENANT, false)).isEmpty();
    assertThat(store.reviewItems(TENANT, true))
        .singleElement()
        .satisfies(
            resolved -> {
              assertThat(resolved.status()).isEqualTo("resolved");
              assertThat(resolved.resolution()).isEqualTo("keep_server");
            });
  }

  @Test
  void additiveMigrationKeepsDataAndAddsTablesAndColumns() {
    saveHousehold(TENANT, 1, "north");
    store.close();
    store = reopenStore(dir);
    store.migrate(SCHEMA_V2);
    StoredRecord kept = store.pull(TENANT, 0, 10).records().get(0);
    assertThat(kept.values()).containsEntry("region", "north").containsEntry("phone", null);
    store.write(
        TENANT,
        transaction -> {
          Map<String, Object> values = new LinkedHashMap<>(kept.values());
          values.put("phone", "+254 700 000 000");
          transaction.save(
              new StoredRecord(
                  "households",
                  kept.id(),
                  transaction.nextSequence(),
                  false,
                  values,
                  kept.versions()));
          transaction.save(
              new StoredRecord(
                  "crops",
                  "maize",
                  transaction.nextSequence(),
                  false,
                  Map.of("id", "maize", "yield", 1.5),
                  RecordVersions.getDefaultInstance()));
          return null;
        });
    assertThat(store.pull(TENANT, 1, 10).records())
        .extracting(record -> record.values().get("phone") + "/" + record.values().get("yield"))
        .containsExactly("+254 700 000 000/null", "null/1.5");
    store.migrate(SCHEMA_V2); // idempotent
  }

  @Test
  void incompatibleMigrationIsRefusedNamingTableAndColumn() {
    Schema retyped =
        SchemaLoader.parse(
            """
            version: 2
            tables:
              households:
                columns:
                  id:        { type: uuid, primary_key: true }
                  region:    { type: text, required: true }
                  head_name: { type: text }
                  visits:    { type: real }
                  active:    { type: boolean }
                  score:     { type: real }
                  seen_at:   { type: timestamp }
                  tags:      { type: json, conflict: union }
              visits:
                columns:
                  id:           { type: uuid, primary_key: true }
                  household_id: { type: uuid, references: households }
                  note:         { type: text }
            """);
    assertThatThrownBy(() -> store.migrate(retyped))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("table 'households', column 'visits' is stored as integer")
        .hasMessageContaining("the schema says real");
    saveHousehold(TENANT, 1, "north");
    assertThat(store.pull(TENANT, 0, 10).records()).hasSize(1);
  }

  @Test
  void commitListenersHearEveryCommitThatAllocatedSequencesAndStopWhenClosed() throws Exception {
    java.util.concurrent.BlockingQueue<String> heard =
        new java.util.concurrent.LinkedBlockingQueue<>();
    try (CommitListener.Registration registration =
        store.onCommit((tenant, seq) -> heard.add(tenant + ":" + seq))) {
      saveHousehold(TENANT, 1, "north");
      store.write(TENANT, transaction -> transaction.batchOutcome("d1", "b1")); // allocates none
      assertThatThrownBy(
              () ->
                  store.write(
                      TENANT,
                      transaction -> {
                        transaction.save(household(uuid(2), transaction.nextSequence(), "x", 1));
                        throw new IllegalStateException("rolled back");
                      }))
          .hasMessage("rolled back");
      saveHousehold(OTHER_TENANT, 2, "south");
      saveHousehold(TENANT, 3, "east");
      List<String> events = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        String event = heard.poll(10, TimeUnit.SECONDS);
        assertThat(event)
            .as("notification %d of 3 within 10 s (got %s)", i + 1, events)
            .isNotNull();
        events.add(event);
      }
      assertThat(events).containsExactly(TENANT + ":1", OTHER_TENANT + ":1", TENANT + ":2");
    }
    heard.clear();
    saveHousehold(TENANT, 4, "west");
    assertThat(heard.poll(300, TimeUnit.MILLISECONDS)).isNull();
  }

  private void deleteHousehold(String tenant, int n) {
    store.write(
        tenant,
        transaction -> {
          StoredRecord live = transaction.load("households", List.of(uuid(n))).get(uuid(n));
          long seq = transaction.nextSequence();
          transaction.save(
              new StoredRecord("households", live.id(), seq, true, live.values(), live.versions()));
          return null;
        });
  }

  @Test
  void purgeRemovesOnlyTombstonesOlderThanTheHorizonAndRemembersTheHighestSequence() {
    saveHousehold(TENANT, 1, "north"); // seq 1
    saveHousehold(TENANT, 2, "north"); // seq 2
    deleteHousehold(TENANT, 1); // seq 3
    saveHousehold(OTHER_TENANT, 1, "south");
    deleteHousehold(OTHER_TENANT, 1);
    long day = 86_400_000L;

    // The first run only marks where each tenant's sequence stood at time 0.
    assertThat(store.purgeTombstones(0, day)).isZero();
    assertThat(store.purgedThrough(TENANT)).isZero();
    deleteHousehold(TENANT, 2); // seq 4, committed after the mark

    // A day later the tombstone at seq 3 is past the horizon; the one at seq 4 is not yet known
    // to be (no mark older than a day covers it).
    assertThat(store.purgeTombstones(day, day)).isEqualTo(2); // one per tenant
    assertThat(store.purgedThrough(TENANT)).isEqualTo(3);
    assertThat(store.purgedThrough(OTHER_TENANT)).isEqualTo(2);
    assertThat(store.pull(TENANT, 0, 100).records())
        .extracting(StoredRecord::seq)
        .containsExactly(4L);
    assertThat(store.records(TENANT, "households", List.of(uuid(1), uuid(2))))
        .containsOnlyKeys(uuid(2));

    // Two days later the second mark (seq 4, time `day`) is past the horizon too.
    assertThat(store.purgeTombstones(2 * day, day)).isEqualTo(1);
    assertThat(store.purgedThrough(TENANT)).isEqualTo(4);
    assertThat(store.pull(TENANT, 0, 100).records()).isEmpty();
    assertThat(store.currentSequence(TENANT)).isEqualTo(4);
  }

  @Test
  void tenantsListsEveryTenantWithRecordsAndLiveIdsPagesThroughOneTablesLiveRecords() {
    assertThat(store.tenants()).isEmpty();
    for (int n = 1; n <= 5; n++) {
      saveHousehold(TENANT, n, "north");
    }
    deleteHousehold(TENANT, 3);
    saveHousehold(OTHER_TENANT, 9, "west");

    assertThat(store.tenants()).containsExactly(TENANT, OTHER_TENANT);
    List<String> paged = new ArrayList<>();
    List<Integer> pageSizes = new ArrayList<>();
    String after = null;
    for (List<String> page = store.liveIds(TENANT, "households", after, 2);
        !page.isEmpty();
        page = store.liveIds(TENANT, "households", after, 2)) {
      paged.addAll(page);
      pageSizes.add(page.size());
      after = page.get(page.size() - 1);
    }
    assertThat(paged).containsExactly(uuid(1), uuid(2), uuid(4), uuid(5));
    assertThat(pageSizes).containsExactly(2, 2);
    assertThat(store.liveIds(TENANT, "visits", null, 2)).isEmpty();
    assertThat(store.liveIds(OTHER_TENANT, "households", null, 10)).containsExactly(uuid(9));
  }

  @Test
  void recordsReadsByIdAndScanLiveStreamsOnlyLiveRowsOfOneTenant() {
    saveHousehold(TENANT, 1, "north");
    saveHousehold(TENANT, 2, "south");
    saveHousehold(TENANT, 3, "east");
    deleteHousehold(TENANT, 3);
    saveHousehold(OTHER_TENANT, 4, "west");

    Map<String, StoredRecord> byId =
        store.records(TENANT, "households", List.of(uuid(1), uuid(3), uuid(4)));
    assertThat(byId).containsOnlyKeys(uuid(1), uuid(3));
    assertThat(byId.get(uuid(1)).values()).containsEntry("region", "north");
    assertThat(byId.get(uuid(3)).deleted()).isTrue();

    List<StoredRecord> scanned = new ArrayList<>();
    store.scanLive(TENANT, "households", scanned::add);
    assertThat(scanned).extracting(StoredRecord::id).containsExactlyInAnyOrder(uuid(1), uuid(2));
    StoredRecord first =
        scanned.stream().filter(record -> record.id().equals(uuid(1))).findFirst().orElseThrow();
    assertThat(first.values())
        .containsEntry("id", uuid(1))
        .containsEntry("region", "north")
        .containsEntry("visits", 1L)
        .containsEntry("active", true)
        .containsEntry("score", 2.5)
        .containsEntry("tags", "[\"a\"]");
  }

  @Test
  void liveChildrenOfManyParentsAreListedTogether() {
    int parents = 600; // more than one chunk of ids per query
    store.write(
        TENANT,
        transaction -> {
          for (int n = 0; n < parents; n++) {
            transaction.save(visit(uuid(10_000 + n), transaction.nextSequence(), uuid(n), false));
          }
          transaction.save(visit(uuid(20_000), transaction.nextSequence(), uuid(0), true));
          transaction.save(visit(uuid(20_001), transaction.nextSequence(), uuid(parents), false));
          return null;
        });
    List<String> parentIds = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    for (int n = 0; n < parents; n++) {
      parentIds.add(uuid(n));
      expected.add(uuid(10_000 + n));
    }

    List<String> children =
        store.write(
            TENANT, transaction -> transaction.liveChildren("visits", "household_id", parentIds));

    assertThat(children).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void aTableScopedThroughAParentIsScannedWithTheScopeItsRecordsInherit() {
    Table households = SCHEMA_V1.requireTable("households");
    Table visits = SCHEMA_V1.requireTable("visits");
    Map<String, Table> tables = new LinkedHashMap<>();
    tables.put(
        "households",
        new Table(
            "households", households.columns(), households.conflict(), null, "region", false));
    tables.put(
        "visits",
        new Table(
            "visits", visits.columns(), visits.conflict(), null, null, false, "household_id"));
    Schema scoped = new Schema(3, tables);
    store.migrate(scoped);
    store.migrate(scoped); // again: the index on the via column is made once
    RecordVersions inherited = RecordVersions.newBuilder().setScope("north").setScopeSeq(1).build();
    store.write(
        TENANT,
        transaction -> {
          StoredRecord live = visit(uuid(11), transaction.nextSequence(), uuid(1), false);
          transaction.save(
              new StoredRecord("visits", live.id(), live.seq(), false, live.values(), inherited));
          transaction.save(visit(uuid(12), transaction.nextSequence(), uuid(1), true));
          return null;
        });

    List<StoredRecord> scanned = new ArrayList<>();
    store.scanLive(TENANT, "visits", scanned::add);

    assertThat(scanned).extracting(StoredRecord::id).containsExactly(uuid(11));
    assertThat(scanned.get(0).versions()).isEqualTo(inherited);
    assertThat(scanned.get(0).values())
        .containsEntry("household_id", uuid(1))
        .containsEntry("note", "n");
  }
}
