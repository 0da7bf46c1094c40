package io.fieldsync.live;

import static io.fieldsync.live.LiveSchema.uuid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.client.ChangedRows;
import io.fieldsync.client.ChangedRows.Origin;
import io.fieldsync.client.QueryWatch;
import io.fieldsync.client.Sqlite3Shell;
import io.fieldsync.testkit.Eventually;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Change listeners hear which rows local writes (from any connection) and syncs changed; a watched
 * query runs again only when a table it reads changed.
 */
class ChangeNotificationTest {
  @TempDir Path dir;
  TestServer server;

  @BeforeEach
  void startServer() {
    server = TestServer.builder(dir).schema(LiveSchema.YAML).start();
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  private TestDevice device(String name) {
    return server.device(name, builder -> builder.writePoll(Duration.ofMillis(20)));
  }

  @Test
  void writesOfAnotherConnectionAreReportedWithTheirTablesAndIds() throws Exception {
    TestDevice a = device("a");
    List<ChangedRows> heard = listen(a);
    writeFromAnotherConnection(
        a,
        "INSERT INTO households (id, region) VALUES ('"
            + uuid(1)
            + "', 'north'), ('"
            + uuid(2)
            + "', 'north')",
        "INSERT INTO visits (id, household_id, note) VALUES ('"
            + uuid(3)
            + "', '"
            + uuid(1)
            + "', 'first')",
        "DELETE FROM households WHERE id = '" + uuid(2) + "'");

    Map<String, Set<String>> expected =
        Map.of("households", Set.of(uuid(1), uuid(2)), "visits", Set.of(uuid(3)));
    awaitReported(heard, Origin.LOCAL, expected);
    assertThat(union(heard, Origin.SERVER)).isEmpty();
  }

  @Test
  void writesOfTheSqlite3ShellAreReportedWithTheirIds() throws Exception {
    TestDevice a = device("a");
    a.sql(
        "INSERT INTO households (id, region) VALUES ('"
            + uuid(1)
            + "', 'north'), ('"
            + uuid(2)
            + "', 'north')");
    List<ChangedRows> heard = listen(a);
    Sqlite3Shell.run(
        a.database(),
        "UPDATE households SET head_name = 'Cy' WHERE id = '"
            + uuid(1)
            + "';\n"
            + "DELETE FROM households WHERE id = '"
            + uuid(2)
            + "';\n",
        dir.resolve("sqlite3.log"));

    awaitReported(heard, Origin.LOCAL, Map.of("households", Set.of(uuid(1), uuid(2))));
  }

  @Test
  void aWriteIsReportedWithItsIdEvenWhenAPushRemovesItsLogRowBeforeAPoll() throws Exception {
    // No poll within the test: only the read before the push can find the write.
    TestDevice a = server.device("a", builder -> builder.writePoll(Duration.ofHours(1)));
    List<ChangedRows> heard = listen(a);
    writeFromAnotherConnection(
        a, "INSERT INTO households (id, region) VALUES ('" + uuid(7) + "', 'east')");
    a.sync();
    assertThat(a.client().status().pending()).isZero();

    awaitReported(heard, Origin.LOCAL, Map.of("households", Set.of(uuid(7))));
  }

  @Test
  void rowsAPullAppliesAreReportedAsServerChanges() throws Exception {
    TestDevice a = device("a");
    TestDevice b = device("b");
    List<ChangedRows> heard = listen(a);
    b.sql(
        "INSERT INTO households (id, region) VALUES ('" + uuid(1) + "', 'north')",
        "INSERT INTO households (id, region) VALUES ('" + uuid(2) + "', 'south')",
        "INSERT INTO visits (id, household_id) VALUES ('" + uuid(3) + "', '" + uuid(1) + "')");
    b.sync();
    a.sync();

    Map<String, Set<String>> expected =
        Map.of("households", Set.of(uuid(1), uuid(2)), "visits", Set.of(uuid(3)));
    awaitReported(heard, Origin.SERVER, expected);
    assertThat(union(heard, Origin.LOCAL)).isEmpty();
  }

  @Test
  void aWatchedQueryRunsAgainOnlyWhenOneOfItsTablesChanged() throws Exception {
    TestDevice a = device("a");
    TestDevice b = device("b");
    List<ChangedRows> heard = listen(a);
    List<List<Map<String, Object>>> results = new CopyOnWriteArrayList<>();
    QueryWatch watch =
        a.client()
            .watch(
                "SELECT id, head_name FROM households WHERE region = ? ORDER BY id",
                List.of("north"),
                results::add);
    assertThat(watch.tables()).containsExactly("households");
    // Watches of a round run in the order they were made: once this one has run for a change,
    // the households watch has been passed over for it.
    List<List<Map<String, Object>>> visitCounts = new CopyOnWriteArrayList<>();
    a.client().watch("SELECT count(*) AS n FROM visits", List.of(), visitCounts::add);
    Eventually.until("the first runs", () -> results.size() == 1 && visitCounts.size() == 1);
    assertThat(results.get(0)).isEmpty();

    // Another connection writes only visits: the households query does not run again.
    writeFromAnotherConnection(
        a, "INSERT INTO visits (id, note) VALUES ('" + uuid(9) + "', 'unrelated')");
    Eventually.until("the visits query runs again", () -> visitCounts.size() == 2);
    assertThat(visitCounts.get(1)).containsExactly(Map.of("n", 1));
    assertThat(union(heard, Origin.LOCAL)).isEqualTo(Map.of("visits", Set.of(uuid(9))));
    assertThat(results).hasSize(1);

    // Another connection writes a household: it runs again and sees it.
    writeFromAnotherConnection(
        a,
        "INSERT INTO households (id, region, head_name) VALUES ('"
            + uuid(1)
            + "', 'north', 'Ada')");
    Eventually.until("the second run", () -> results.size() == 2);
    assertThat(results.get(1)).containsExactly(Map.of("id", uuid(1), "head_name", "Ada"));

    // A sync brings a household from b: it runs again with both.
    b.sql(
        "INSERT INTO households (id, region, head_name) VALUES ('" + uuid(2) + "', 'north', 'Bo')");
    b.sync();
    int before = results.size();
    a.sync();
    Eventually.until(
        "a run with the pulled household",
        () -> results.size() > before && results.get(results.size() - 1).size() == 2);
    assertThat(results.get(results.size() - 1))
        .containsExactly(
            Map.of("id", uuid(1), "head_name", "Ada"), Map.of("id", uuid(2), "head_name", "Bo"));

    watch.close();
    int closedAt = results.size();
    a.sql("INSERT INTO households (id, region) VALUES ('" + uuid(3) + "', 'north')");
    Eventually.until(
        "the write after close is reported",
        () -> union(heard, Origin.LOCAL).getOrDefault("households", Set.of()).contains(uuid(3)));
    assertThat(results).hasSize(closedAt);
  }

  @Test
  void aWatchFindsEveryTableOfAJoinAndRefusesWritesAndMissingParameters() {
    TestDevice a = device("a");
    QueryWatch join =
        a.client()
            .watch(
                "SELECT v.note, h.head_name FROM visits v JOIN households h ON h.id ="
                    + " v.household_id",
                List.of(),
                rows -> {});
    assertThat(join.tables()).containsExactlyInAnyOrder("households", "visits");

    assertThatThrownBy(() -> a.client().watch("DELETE FROM visits", List.of(), rows -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "watch needs a query that only reads, but this statement writes: DELETE FROM visits");
    assertThatThrownBy(
            () ->
                a.client()
                    .watch("SELECT * FROM households WHERE region = ?", List.of(), rows -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "query has 1 parameters, found 0 values: SELECT * FROM households WHERE region = ?");
  }

  /** Runs statements through a plain JDBC connection of its own, not the library's. */
  private static void writeFromAnotherConnection(TestDevice device, String... statements)
      throws Exception {
    try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + device.database());
        Statement statement = other.createStatement()) {
      for (String sql : statements) {
        statement.executeUpdate(sql);
      }
    }
  }

  /** Waits until the changes heard of {@code origin} name exactly {@code expected}. */
  private static void awaitReported(
      List<ChangedRows> heard, Origin origin, Map<String, Set<String>> expected)
      throws InterruptedException {
    Eventually.until(
        origin + " changes " + expected,
        () -> expected.equals(union(heard, origin)),
        heard::toString);
  }

  private static List<ChangedRows> listen(TestDevice device) {
    List<ChangedRows> heard = new CopyOnWriteArrayList<>();
    device.client().addChangeListener(heard::add);
    return heard;
  }

  /** Every id heard of {@code origin}, by table. */
  private static Map<String, Set<String>> union(List<ChangedRows> heard, Origin origin) {
    Map<String, Set<String>> all = new java.util.TreeMap<>();
    for (ChangedRows changes : heard) {
      if (changes.origin() == origin) {
        changes
            .recordIds()
            .forEach((table, ids) -> all.computeIfAbsent(table, t -> new HashSet<>()).addAll(ids));
      }
    }
    return all;
  }
}
