package io.fieldsync.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.testkit.SeededTest;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Large pull pages are written with the capture triggers taken out of their transaction and put
 * back before it commits: the rows must land exactly, the triggers must come back as they were, a
 * page that fails must leave both the triggers and the cursor, and a write by another connection
 * made while a page is being applied must still be captured.
 */
class PausedCaptureTest {
  private static final String ROWS =
      "SELECT id, region, head_name, score, active FROM households ORDER BY id";
  private static final String TRIGGERS =
      "SELECT group_concat(name || ':' || sql, char(10)) FROM"
          + " (SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name)";

  @TempDir Path dir;
  TestServer server;
  TestDevice writer;

  @BeforeEach
  void setUp() {
    server = TestServer.builder(dir).schema(Households.SCHEMA_YAML).start();
    writer = server.device("writer");
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  @SeededTest
  void largePagesLandExactlyAndLeaveTheTriggersAsTheyWere(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int pageSize = 2000 + random.nextInt(200);
    TestDevice reader = server.device("reader", builder -> builder.pullPageSize(pageSize));
    String triggers = (String) reader.scalar(TRIGGERS);
    Map<String, Map<String, Object>> model = new TreeMap<>();

    int count = 2700 + random.nextInt(800);
    for (int n = 0; n < count; n++) {
      String id = Households.household(n);
      model.put(id, randomRow(random, id));
    }
    writer.sql(insertAll(model.values()));
    writer.sync();
    reader.sync();
    assertThat(reader.query(ROWS)).isEqualTo(new ArrayList<>(model.values()));

    // Edits of held rows (the upsert's update path) and deletes, again in pages of thousands.
    List<Map<String, Object>> edited = new ArrayList<>();
    List<String> deleted = new ArrayList<>();
    for (String id : new ArrayList<>(model.keySet())) {
      int roll = random.nextInt(10);
      if (roll < 6) {
        Map<String, Object> row = randomRow(random, id);
        // an update to the values a row already holds changes nothing: not captured, not pulled
        if (!row.equals(model.put(id, row))) {
          edited.add(row);
        }
      } else if (roll < 8) {
        model.remove(id);
        deleted.add("'" + id + "'");
      }
    }
    writer.sql(
        "BEGIN",
        "UPDATE households SET region = v.column2, head_name = v.column3, score = v.column4,"
            + " active = v.column5 FROM (VALUES "
            + valueRows(edited)
            + ") AS v WHERE households.id = v.column1",
        "DELETE FROM households WHERE id IN (" + String.join(", ", deleted) + ")",
        "COMMIT");
    writer.sync();
    SyncResult second = reader.sync();

    assertThat(second.pulled()).isEqualTo(edited.size() + deleted.size());
    assertThat(reader.query(ROWS)).isEqualTo(new ArrayList<>(model.values()));
    assertThat(reader.scalar(TRIGGERS)).isEqualTo(triggers);
    assertThat(reader.scalar("SELECT count(*) FROM _fs_changelog")).isEqualTo(0L);
    assertThat(reader.scalar("SELECT capture FROM _fs_state")).isEqualTo(1L);

    // The triggers capture the application's writes again, of every kind.
    String kept = model.keySet().iterator().next();
    String added = Households.household(count + 1);
    reader.sql(
        "INSERT INTO households (id, region) VALUES ('" + added + "', 'new')",
        "UPDATE households SET head_name = 'Changed' WHERE id = '" + kept + "'",
        "DELETE FROM households WHERE id = '" + added + "'");
    assertThat(reader.query("SELECT rid, op FROM _fs_changelog ORDER BY id"))
        .containsExactly(
            Map.of("rid", added, "op", "I"),
            Map.of("rid", kept, "op", "U"),
            Map.of("rid", added, "op", "D"));
  }

  /**
   * A fresh device pulls more than one page of the default size, once with nothing listening (the
   * progress and the changed rows are then not worked out) and once with a sync listener and a
   * change listener: both hold exactly the rows written, pull each record once, and the heard one
   * is told of every record once.
   */
  @SeededTest
  void defaultSizedPagesLandExactlyWhetherOrNotAnyoneListens(long seed) throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    Map<String, Map<String, Object>> model = new TreeMap<>();
    int count = 10_000 + 1 + random.nextInt(4_000);
    for (int n = 0; n < count; n++) {
      String id = Households.household(n);
      model.put(id, randomRow(random, id));
    }
    // In statements of 2,000 rows: one statement for all would pass SQLite's length limit.
    List<Map<String, Object>> written = new ArrayList<>(model.values());
    List<String> inserts = new ArrayList<>();
    for (int from = 0; from < written.size(); from += 2_000) {
      inserts.add(insertAll(written.subList(from, Math.min(written.size(), from + 2_000))));
    }
    writer.sql(inserts.toArray(String[]::new));
    writer.sync();
    TestDevice quiet = server.device("quiet");
    TestDevice heard = server.device("heard");
    String triggers = (String) heard.scalar(TRIGGERS);
    List<SyncProgress> reports = new CopyOnWriteArrayList<>();
    heard
        .client()
        .addListener(
            new SyncListener() {
              @Override
              public void syncProgress(SyncProgress progress) {
                reports.add(progress);
              }
            });
    Map<String, Integer> told = new ConcurrentHashMap<>();
    heard
        .client()
        .addChangeListener(
            changes -> {
              if (changes.origin() == ChangedRows.Origin.SERVER) {
                changes
                    .recordIds()
                    .getOrDefault("households", Set.of())
                    .forEach(id -> told.merge(id, 1, Integer::sum));
              }
            });

    assertThat(quiet.sync().pulled()).isEqualTo(count);
    assertThat(heard.sync().pulled()).isEqualTo(count);

    List<Map<String, Object>> rows = new ArrayList<>(model.values());
    assertThat(quiet.query(ROWS)).isEqualTo(rows);
    assertThat(heard.query(ROWS)).isEqualTo(rows);
    assertThat(heard.scalar(TRIGGERS)).isEqualTo(triggers);
    assertThat(quiet.scalar("SELECT count(*) FROM _fs_changelog")).isEqualTo(0L);
    assertThat(reports).hasSize(2);
    assertThat(reports.get(0).records()).isEqualTo(10_000);
    assertThat(reports.get(1).records()).isEqualTo(count);
    assertThat(reports.get(1).finished()).isTrue();
    assertThat(reports.get(1).bytes()).isGreaterThan(reports.get(0).bytes());
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (told.size() < count && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(told.keySet()).isEqualTo(model.keySet());
    assertThat(told.values()).containsOnly(1);
  }

  /**
   * Held rows edited one by one, each in a random subset of its columns, so that one pulled page
   * carries records of one table with their field sets interleaved (the device keeps one upsert per
   * set): every row lands as the model says, in small pages and in one big one.
   */
  @SeededTest
  void editsOfDifferentColumnsInterleavedInAPageLandExactly(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Map<String, Map<String, Object>> model = new TreeMap<>();
    int count = 2100 + random.nextInt(400);
    for (int n = 0; n < count; n++) {
      String id = Households.household(n);
      model.put(id, randomRow(random, id));
    }
    writer.sql(insertAll(model.values()));
    writer.sync();
    TestDevice small = server.device("small", builder -> builder.pullPageSize(50));
    TestDevice big = server.device("big", builder -> builder.pullPageSize(5000));
    small.sync();
    big.sync();

    List<String> updates = new ArrayList<>(List.of("BEGIN"));
    for (String id : model.keySet()) {
      if (random.nextInt(3) == 0) {
        continue;
      }
      Map<String, Object> next = randomRow(random, id);
      Map<String, Object> row = model.get(id);
      List<String> sets = new ArrayList<>();
      for (String column : List.of("region", "head_name", "score", "active")) {
        if (random.nextBoolean()) {
          row.put(column, next.get(column));
          Object value = next.get(column);
          sets.add(column + " = " + (value instanceof String ? text(value) : value));
        }
      }
      if (!sets.isEmpty()) {
        updates.add(
            "UPDATE households SET " + String.join(", ", sets) + " WHERE id = '" + id + "'");
      }
    }
    updates.add("COMMIT");
    writer.sql(updates.toArray(String[]::new));
    writer.sync();
    small.sync();
    big.sync();

    List<Map<String, Object>> rows = new ArrayList<>(model.values());
    assertThat(small.query(ROWS)).isEqualTo(rows);
    assertThat(big.query(ROWS)).isEqualTo(rows);
  }

  @Test
  void aFailedPageKeepsTheTriggersAndTheCursorAndAWriteMadeWhileTheNextIsAppliedIsCaptured()
      throws Exception {
    Map<String, Map<String, Object>> model = new TreeMap<>();
    SplittableRandom random = new SplittableRandom(7);
    for (int n = 0; n < 2600; n++) {
      Map<String, Object> row = randomRow(random, Households.household(n));
      model.put((String) row.get("id"), row);
    }
    writer.sql(insertAll(model.values()));
    writer.sync();
    TestDevice reader =
        server.device(
            "reader",
            builder ->
                builder
                    .pullPageSize(2500)
                    .faultInjector(
                        rows -> {
                          if (rows == 2200) {
                            throw new IllegalStateException("injected: the page stops at row 2200");
                          }
                        }));
    String triggers = (String) reader.scalar(TRIGGERS);
    long cursor = (Long) reader.scalar("SELECT cursor FROM _fs_state");

    assertThatThrownBy(reader::sync).hasMessageContaining("injected: the page stops at row 2200");

    assertThat(reader.scalar("SELECT cursor FROM _fs_state")).isEqualTo(cursor);
    assertThat(reader.scalar("SELECT count(*) FROM households")).isEqualTo(0L);
    assertThat(reader.scalar(TRIGGERS)).isEqualTo(triggers);
    assertThat(reader.scalar("SELECT capture FROM _fs_state")).isEqualTo(1L);
    reader.sql("INSERT INTO households (id, region) VALUES ('" + Households.H3 + "', 'local')");
    assertThat(reader.query("SELECT rid, op FROM _fs_changelog"))
        .containsExactly(Map.of("rid", Households.H3, "op", "I"));

    // The next sync pushes that write, then pulls; while its first page is being applied, another
    // connection of the application writes a row: it waits for the page's commit and is captured.
    String elsewhere = Households.household(9_999);
    Path database = reader.database();
    AtomicReference<Thread> other = new AtomicReference<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    TestDevice healed =
        server.reopen(
            reader,
            builder ->
                builder
                    .pullPageSize(2500)
                    .faultInjector(
                        rows -> {
                          if (rows == 1000 && other.get() == null) {
                            Thread thread =
                                new Thread(
                                    () -> writeElsewhere(database, elsewhere, failure),
                                    "other-writer");
                            other.set(thread);
                            thread.start();
                            // Time for the other writer to reach the lock this page holds.
                            sleep(300);
                          }
                        }));
    healed.sync();
    other.get().join(30_000);

    assertThat(failure.get()).isNull();
    model.put(Households.H3, row(Households.H3, "local", null, null, null));
    model.put(elsewhere, row(elsewhere, "elsewhere", null, null, null));
    assertThat(healed.query(ROWS)).isEqualTo(new ArrayList<>(model.values()));
    assertThat(healed.scalar(TRIGGERS)).isEqualTo(triggers);
    assertThat(healed.query("SELECT rid, op FROM _fs_changelog"))
        .containsExactly(Map.of("rid", elsewhere, "op", "I"));
  }

  /**
   * Another application connection inserts {@code id}, waiting for the lock as long as it takes.
   */
  private static void writeElsewhere(Path database, String id, AtomicReference<Throwable> failure) {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + database);
        Statement statement = connection.createStatement()) {
      statement.execute("PRAGMA busy_timeout = 30000");
      statement.executeUpdate(
          "INSERT INTO households (id, region) VALUES ('" + id + "', 'elsewhere')");
    } catch (SQLException | RuntimeException e) {
      failure.set(e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Map<String, Object> randomRow(SplittableRandom random, String id) {
    String head = random.nextInt(5) == 0 ? null : "Head " + random.nextInt(100_000) + " ü'é";
    Double score = random.nextInt(4) == 0 ? null : random.nextInt(2_000_000) / 100.0 - 10_000;
    Long active = random.nextInt(3) == 0 ? null : (long) random.nextInt(2);
    return row(id, "r" + random.nextInt(50), head, score, active);
  }

  private static Map<String, Object> row(
      String id, String region, String head, Double score, Long active) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", id);
    row.put("region", region);
    row.put("head_name", head);
    row.put("score", score);
    row.put("active", active);
    return row;
  }

  /** One INSERT of all the rows. */
  private static String insertAll(Collection<Map<String, Object>> rows) {
    return "INSERT INTO households (id, region, head_name, score, active) VALUES "
        + valueRows(rows);
  }

  /** {@code (id, region, head_name, score, active), ...} as SQL literals. */
  private static String valueRows(Collection<Map<String, Object>> rows) {
    StringBuilder sql = new StringBuilder();
    for (Map<String, Object> row : rows) {
      sql.append(sql.length() == 0 ? "('" : ", ('")
          .append(row.get("id"))
          .append("', '")
          .append(row.get("region"))
          .append("', ")
          .append(text(row.get("head_name")))
          .append(", ")
          .append(row.get("score"))
          .append(", ")
          .append(row.get("active"))
          .append(')');
    }
    return sql.toString();
  }

  private static String text(Object value) {
    return value == null ? "NULL" : "'" + value.toString().replace("'", "''") + "'";
  }
}
