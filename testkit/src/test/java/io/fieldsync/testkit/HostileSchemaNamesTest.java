package io.fieldsync.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.schema.SchemaLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Table and column names that SQL treats specially: SQL keywords ({@code order}, {@code user},
 * {@code select}...) and names of the longest length allowed load and sync with proper quoting on
 * the device and the server store; quotes, Unicode, upper case, names too long and reserved
 * prefixes are refused when the schema loads, with a message naming the table or column. SQLite
 * here; {@link PostgresHostileSchemaNamesTest} runs the same on PostgreSQL.
 */
class HostileSchemaNamesTest {
  /** 63 characters: the longest name the schema takes (and PostgreSQL's identifier limit). */
  static final String LONGEST =
      "a" + "_very_long_name".repeat(4) + "_abcdefghijklmnopq".substring(0, 2);

  static final String KEYWORDS_SCHEMA =
      """
      version: 1
      tables:
        order:
          columns:
            id:     { type: uuid, primary_key: true }
            user:   { type: text }
            group:  { type: integer, conflict: sum }
            select: { type: text }
            from:   { type: real }
        user:
          columns:
            id:    { type: uuid, primary_key: true }
            order: { type: uuid, references: order }
            table: { type: text }
            where: { type: boolean }
            %1$s: { type: text }
        %1$s:
          columns:
            id:      { type: uuid, primary_key: true }
            default: { type: text }
      """
          .formatted(LONGEST);

  static final String ORDER = "0190f3a4-0000-7000-8000-000000000001";
  static final String USER = "0190f3a4-0000-7000-8000-000000000002";
  static final String LONG_ROW = "0190f3a4-0000-7000-8000-000000000003";

  @TempDir Path dir;
  private TestServer server;

  ServerDatabase database() {
    return ServerDatabase.sqlite(dir.resolve("server.db"));
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void sqlKeywordsAndTheLongestNamesLoadAndSyncOnBothSides() {
    assertThat(LONGEST).hasSize(63);
    server = TestServer.builder(dir).database(database()).schema(KEYWORDS_SCHEMA).start();
    TestDevice first = server.device("tablet-a");
    TestDevice second = server.device("tablet-b");
    String awkward = "O'Brien \"the\" -- ; DROP TABLE \"order\"";
    first.execute(
        "INSERT INTO \"order\" (id, \"user\", \"group\", \"select\", \"from\") VALUES (?, ?, 1, ?, 2.5)",
        ORDER,
        awkward,
        "select * from user");
    first.execute(
        "INSERT INTO \"user\" (id, \"order\", \"table\", \"where\", "
            + LONGEST
            + ") VALUES (?, ?, 't', 1, 'long')",
        USER,
        ORDER);
    first.execute("INSERT INTO " + LONGEST + " (id, \"default\") VALUES (?, 'd')", LONG_ROW);
    TestDevice.syncAll(first, second);
    second.execute("UPDATE \"order\" SET \"group\" = \"group\" + 2 WHERE id = ?", ORDER);
    first.execute("UPDATE \"order\" SET \"group\" = \"group\" + 3 WHERE id = ?", ORDER);
    second.execute("UPDATE " + LONGEST + " SET \"default\" = 'e' WHERE id = ?", LONG_ROW);
    TestDevice.syncAll(first, second);
    TestDevice.syncAll(first, second);

    Replicas.Snapshot rows = server.assertConverged(first, second);
    assertThat(rows.row("order", ORDER))
        .containsEntry("user", awkward)
        .containsEntry("group", 6L)
        .containsEntry("select", "select * from user")
        .containsEntry("from", 2.5);
    assertThat(rows.row("user", USER))
        .containsEntry("order", ORDER)
        .containsEntry("table", "t")
        .containsEntry("where", true)
        .containsEntry(LONGEST, "long");
    assertThat(rows.row(LONGEST, LONG_ROW)).containsEntry("default", "e");
    List<Map<String, Object>> stored = server.query("SELECT \"group\" FROM \"order\"");
    assertThat(stored).hasSize(1);
    assertThat(((Number) stored.get(0).get("group")).longValue())
        .as("the server table \"order\", column \"group\"")
        .isEqualTo(6L);
  }

  @Test
  void namesWithQuotesUnicodeUpperCaseTooLongOrReservedAreRefusedWhenTheSchemaLoads() {
    for (String name :
        List.of(
            "quo\\\"ted",
            "o'brien",
            "maisón",
            "日本",
            "Order",
            "order by",
            "a" + "b".repeat(63),
            "_fs_journal",
            "_private",
            "1st")) {
      String table =
          """
          version: 1
          tables:
            "%s":
              columns:
                id: { type: uuid, primary_key: true }
          """
              .formatted(name);
      String shown = name.replace("\\\"", "\"");
      assertThatThrownBy(() -> SchemaLoader.parse(table))
          .as("table %s", shown)
          .hasMessageContaining(
              "table '"
                  + shown
                  + "': name must be lower-case letters, digits and '_', starting with a letter"
                  + " (names starting with '_' are reserved for fieldsync)");
      String column =
          """
          version: 1
          tables:
            things:
              columns:
                id: { type: uuid, primary_key: true }
                "%s": { type: text }
          """
              .formatted(name);
      assertThatThrownBy(() -> SchemaLoader.parse(column))
          .as("column %s", shown)
          .hasMessageContaining(
              "table 'things', column '"
                  + shown
                  + "': name must be lower-case letters, digits and '_', starting with a letter"
                  + " (names starting with '_' are reserved for fieldsync)");
    }
  }
}
