package io.fieldsync.client.internal.capture;

import io.fieldsync.schema.Column;
import io.fieldsync.schema.ConflictRule;
import io.fieldsync.schema.Table;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The capture triggers of a table.
 *
 * <p>Triggers are plain SQL, so writes from any connection (another JDBC connection, the {@code
 * sqlite3} shell) are captured, and the log row commits in the same transaction as the write. Each
 * trigger fires only while {@code _fs_state.capture = 1}; the library sets it to 0 inside the
 * transactions that write server state, which no other writer can observe (SQLite has one writer).
 *
 * <ul>
 *   <li>INSERT logs op {@code I} with every column. {@code INSERT OR REPLACE} over an existing row
 *       fires no delete trigger (recursive triggers are off by default and cannot be relied on from
 *       other connections), so a BEFORE INSERT trigger stashes the old row in {@code _fs_replaced}
 *       and the AFTER INSERT trigger logs a replacement as op {@code U} of the changed columns.
 *   <li>UPDATE logs op {@code U} with only the columns whose value changed (UPSERT's DO UPDATE
 *       fires the update trigger). Changing the primary key logs a delete and an insert.
 *   <li>DELETE logs op {@code D}.
 * </ul>
 *
 * {@code extra} holds, per changed {@code sum} column, the increment (new − old), and per changed
 * {@code union} column the elements added ({@code a}) and removed ({@code r}).
 *
 * <p>A capture writes its log row and nothing else. The stamp is computed, not kept: above the
 * log's last row and above {@code _fs_state.hlc}, which holds merged server HLCs and, via {@code
 * _fs_changelog_drained}, the stamp of the last row an ack removed; so stamps strictly increase for
 * as long as the database lives, while log ids increase only among the rows present.
 *
 * <p>What a capture reads costs more than what it computes: each scalar subquery opens a cursor.
 * The device id is therefore written into the triggers as a literal ({@code _fs_state.device} is
 * written once, when the database is made), which saves one of the four reads of {@code _fs_state}
 * per captured row. The other reads stay in scalar subqueries of an {@code INSERT ... VALUES}: read
 * once through {@code INSERT ... SELECT ... FROM _fs_state}, the log's last row makes SQLite stage
 * every captured row through a temporary table, which costs more than the reads it saves.
 */
public final class CaptureTriggers {
  /** SQLite caps function arguments (127 by default); JSON builders are chunked below it. */
  private static final int MAX_PAIRS_PER_CALL = 50;

  /**
   * The next HLC, computed in SQL as {@code io.fieldsync.clock.HybridClock#now()} does but without
   * a write: above the log's last row and above {@code _fs_state.hlc}, which holds merged HLCs and
   * the stamp of the last row drained from the log.
   */
  private static final String NEXT_HLC =
      "max(coalesce((SELECT hlc FROM _fs_changelog ORDER BY id DESC LIMIT 1), 0) + 1,"
          + " (SELECT hlc FROM _fs_state) + 1,"
          + " CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER) * 65536)";

  private static final String CAPTURE_ON = "(SELECT capture FROM _fs_state) = 1";

  private CaptureTriggers() {}

  /** Every statement that drops the capture triggers of a table. */
  static List<String> drop(Table table) {
    List<String> result = new ArrayList<>();
    for (String suffix : List.of("stash", "ins", "upd", "rekey", "del")) {
      result.add("DROP TRIGGER IF EXISTS " + triggerName(table, suffix));
    }
    return result;
  }

  /**
   * The names, unquoted as {@code sqlite_master} holds them, of the capture triggers that an upsert
   * by primary key ({@code INSERT ... ON CONFLICT DO UPDATE} of other columns) of a new row runs on
   * a table; with {@code updates} also those an upsert over an existing row runs, with {@code
   * deletes} those a delete runs. The key-change trigger is never among them: it runs only for
   * updates that set the key.
   */
  public static List<String> upsertTriggers(Table table, boolean updates, boolean deletes) {
    SqlText.checkIdentifier(table.name());
    List<String> suffixes = new ArrayList<>(List.of("stash", "ins"));
    if (updates) {
      suffixes.add("upd");
    }
    if (deletes) {
      suffixes.add("del");
    }
    List<String> result = new ArrayList<>();
    for (String suffix : suffixes) {
      result.add("_fs_" + table.name() + "_" + suffix);
    }
    return result;
  }

  private static String triggerName(Table table, String suffix) {
    SqlText.checkIdentifier(table.name());
    return "\"_fs_" + table.name() + "_" + suffix + "\"";
  }

  /** Every statement that (re)creates the capture triggers of a table on device {@code device}. */
  static List<String> create(Table table, String device) {
    if (table.readOnly()) {
      return refuseWrites(table);
    }
    List<String> result = new ArrayList<>(drop(table));
    String stamp = stamp(device);
    String name = SqlText.identifier(table.name());
    String tbl = SqlText.literal(table.name());
    String key = SqlText.identifier(table.primaryKey().name());
    String stashed = "SELECT 1 FROM _fs_replaced WHERE tbl = " + tbl + " AND rid IS NEW." + key;

    // Only an INSERT over an existing row (OR REPLACE) needs the old row, and only a stash left
    // by an insert that did not happen (OR IGNORE, UPSERT) needs clearing: most inserts skip this
    // after two index probes. The capture flag goes first: rows written by a pull (capture off)
    // then skip the probes, 13% of a snapshot row write, at no measurable cost to local inserts.
    result.add(
        "CREATE TRIGGER "
            + triggerName(table, "stash")
            + " BEFORE INSERT ON "
            + name
            + " WHEN "
            + CAPTURE_ON
            + " AND (EXISTS (SELECT 1 FROM "
            + name
            + " WHERE "
            + key
            + " = NEW."
            + key
            + ") OR EXISTS ("
            + stashed
            + ")) BEGIN DELETE FROM _fs_replaced WHERE tbl = "
            + tbl
            + " AND rid IS NEW."
            + key
            + "; INSERT INTO _fs_replaced (tbl, rid, vals) SELECT "
            + tbl
            + ", o."
            + key
            + ", "
            + allValues(table, column -> "o." + SqlText.identifier(column.name()))
            + " FROM "
            + name
            + " AS o WHERE o."
            + key
            + " = NEW."
            + key
            + "; END");

    // One trigger logs both a plain insert (op I, every column) and a replacement (op U, the
    // columns changed against the stash): statements within a trigger run in order, triggers
    // have no order.
    Function<Column, String> fromStash =
        column -> "json_extract(s.vals, " + SqlText.literal("$." + column.name()) + ")";
    String fromStashRow =
        " FROM _fs_replaced AS s WHERE s.tbl = " + tbl + " AND s.rid IS NEW." + key;
    result.add(
        "CREATE TRIGGER "
            + triggerName(table, "ins")
            + " AFTER INSERT ON "
            + name
            + " WHEN "
            + CAPTURE_ON
            + " BEGIN "
            + append(
                table,
                "NEW." + key,
                "CASE WHEN EXISTS (" + stashed + ") THEN 'U' ELSE 'I' END",
                "coalesce((SELECT "
                    + changedValues(table, fromStash)
                    + fromStashRow
                    + "), "
                    + allValues(table, column -> "NEW." + SqlText.identifier(column.name()))
                    + ")",
                replacementOrInsertExtra(table, stashed, fromStash, fromStashRow),
                stamp)
            + "DELETE FROM _fs_replaced WHERE tbl = "
            + tbl
            + " AND rid IS NEW."
            + key
            + "; END");

    List<Column> data = table.dataColumns();
    if (!data.isEmpty()) {
      Function<Column, String> fromOld = column -> "OLD." + SqlText.identifier(column.name());
      List<String> anyChanged = new ArrayList<>();
      for (Column column : data) {
        String col = SqlText.identifier(column.name());
        anyChanged.add("OLD." + col + " IS NOT NEW." + col);
      }
      result.add(
          "CREATE TRIGGER "
              + triggerName(table, "upd")
              + " AFTER UPDATE ON "
              + name
              + " WHEN "
              + CAPTURE_ON
              + " AND OLD."
              + key
              + " IS NEW."
              + key
              + " AND ("
              + String.join(" OR ", anyChanged)
              + ") BEGIN "
              + append(
                  table,
                  "NEW." + key,
                  "'U'",
                  changedValues(table, fromOld),
                  changedExtra(table, fromOld),
                  stamp)
              + "END");
    }

    // UPDATE OF: statements that do not set the key never even run this trigger.
    result.add(
        "CREATE TRIGGER "
            + triggerName(table, "rekey")
            + " AFTER UPDATE OF "
            + key
            + " ON "
            + name
            + " WHEN "
            + CAPTURE_ON
            + " AND OLD."
            + key
            + " IS NOT NEW."
            + key
            + " BEGIN "
            + logDelete(table, stamp)
            + logInsert(table, "NEW", stamp)
            + "END");

    result.add(
        "CREATE TRIGGER "
            + triggerName(table, "del")
            + " AFTER DELETE ON "
            + name
            + " WHEN "
            + CAPTURE_ON
            + " BEGIN "
            + logDelete(table, stamp)
            + "END");
    return result;
  }

  /**
   * The triggers of a read-only table: any write while capture is on fails with a message naming
   * the table, and nothing is logged. The library's own writes (pulls, snapshots, repairs) run with
   * capture off, so server rows still arrive. They carry the capture triggers' names, so a pull
   * that pauses capture takes them out as well.
   */
  private static List<String> refuseWrites(Table table) {
    List<String> result = new ArrayList<>(drop(table));
    String name = SqlText.identifier(table.name());
    String refusal =
        "SELECT RAISE(ABORT, "
            + SqlText.literal(
                "table '"
                    + table.name()
                    + "' is read-only: its rows come from the server, and local writes to it are"
                    + " refused")
            + "); END";
    for (Map.Entry<String, String> trigger :
        Map.of("ins", "INSERT", "upd", "UPDATE", "del", "DELETE").entrySet()) {
      result.add(
          "CREATE TRIGGER "
              + triggerName(table, trigger.getKey())
              + " BEFORE "
              + trigger.getValue()
              + " ON "
              + name
              + " WHEN "
              + CAPTURE_ON
              + " BEGIN "
              + refusal);
    }
    return result;
  }

  /**
   * One statement appending a log row. It is an INSERT of VALUES because an INSERT whose SELECT
   * reads the log would be staged through a temporary table by SQLite.
   */
  private static String append(
      Table table, String rid, String op, String vals, String extra, String stamp) {
    return "INSERT INTO _fs_changelog (tbl, rid, op, vals, extra, hlc, device, base) VALUES ("
        + SqlText.literal(table.name())
        + ", "
        + rid
        + ", "
        + op
        + ", "
        + vals
        + ", "
        + extra
        + ", "
        + stamp
        + "); ";
  }

  /** The HLC, device and base sequence of a log row written on {@code device}. */
  static String stamp(String device) {
    return NEXT_HLC + ", " + SqlText.literal(device) + ", (SELECT cursor FROM _fs_state)";
  }

  private static String logInsert(Table table, String row, String stamp) {
    return append(
        table,
        row + "." + SqlText.identifier(table.primaryKey().name()),
        "'I'",
        allValues(table, column -> row + "." + SqlText.identifier(column.name())),
        insertExtra(table, row),
        stamp);
  }

  private static String replacementOrInsertExtra(
      Table table, String stashed, Function<Column, String> fromStash, String fromStashRow) {
    String replaced = changedExtra(table, fromStash);
    String inserted = insertExtra(table, "NEW");
    if (replaced.equals("NULL") && inserted.equals("NULL")) {
      return "NULL";
    }
    return "CASE WHEN EXISTS ("
        + stashed
        + ") THEN (SELECT "
        + replaced
        + fromStashRow
        + ") ELSE "
        + inserted
        + " END";
  }

  /** The whole value of each {@code sum} column counts as its increment. */
  private static String insertExtra(Table table, String row) {
    List<String[]> deltas = new ArrayList<>();
    for (Column column : table.dataColumns()) {
      if (table.ruleFor(column) == ConflictRule.SUM) {
        deltas.add(
            new String[] {
              column.name(), "coalesce(" + row + "." + SqlText.identifier(column.name()) + ", 0)"
            });
      }
    }
    return deltas.isEmpty() ? "NULL" : jsonObject(deltas);
  }

  private static String logDelete(Table table, String stamp) {
    return append(
        table,
        "OLD." + SqlText.identifier(table.primaryKey().name()),
        "'D'",
        "NULL",
        "NULL",
        stamp);
  }

  /**
   * The JSON object text of every data column, built by concatenation (cheaper than JSON
   * functions).
   */
  private static String allValues(Table table, Function<Column, String> value) {
    List<String> pieces = new ArrayList<>();
    for (Column column : table.dataColumns()) {
      String member = (pieces.isEmpty() ? "" : ",") + jsonKey(column.name());
      pieces.add(SqlText.literal(member) + " || " + jsonValue(column, value.apply(column)));
    }
    return "'{' || " + concat(pieces) + " || '}'";
  }

  /** JSON object text of the columns whose new value differs from {@code old}. */
  private static String changedValues(Table table, Function<Column, String> old) {
    List<String> pieces = new ArrayList<>();
    for (Column column : table.dataColumns()) {
      pieces.add(
          "CASE WHEN "
              + unchanged(column, old)
              + " THEN '' ELSE "
              + SqlText.literal("," + jsonKey(column.name()))
              + " || "
              + jsonValue(column, "NEW." + SqlText.identifier(column.name()))
              + " END");
    }
    return "'{' || substr(" + concat(pieces) + ", 2) || '}'";
  }

  /** A TEXT column converts any number written to it into text, so it never holds a real. */
  private static String jsonValue(Column column, String expr) {
    return column.type().sqliteType().equals("TEXT") ? textValueJson(expr) : valueJson(expr);
  }

  /** Sum increments and union additions/removals of the changed columns, or NULL. */
  private static String changedExtra(Table table, Function<Column, String> old) {
    List<String[]> pairs = new ArrayList<>();
    List<String> removals = new ArrayList<>();
    for (Column column : table.dataColumns()) {
      ConflictRule rule = table.ruleFor(column);
      String newValue = "NEW." + SqlText.identifier(column.name());
      String oldValue = old.apply(column);
      if (rule == ConflictRule.SUM) {
        pairs.add(
            new String[] {
              column.name(), "coalesce(" + newValue + ", 0) - coalesce(" + oldValue + ", 0)"
            });
      } else if (rule == ConflictRule.UNION) {
        pairs.add(
            new String[] {
              column.name(),
              "json_object('a', "
                  + elementsMissing(newValue, oldValue)
                  + ", 'r', "
                  + elementsMissing(oldValue, newValue)
                  + ")"
            });
      } else {
        continue;
      }
      removals.add(removeWhen(unchanged(column, old), column.name()));
    }
    if (pairs.isEmpty()) {
      return "NULL";
    }
    return "nullif(" + jsonRemove(jsonObject(pairs), removals) + ", '{}')";
  }

  private static String unchanged(Column column, Function<Column, String> old) {
    return old.apply(column) + " IS NEW." + SqlText.identifier(column.name());
  }

  /** JSON array of the elements of array {@code from} that are not in array {@code other}. */
  private static String elementsMissing(String from, String other) {
    return "(SELECT json_group_array(CASE n.type WHEN 'true' THEN json('true')"
        + " WHEN 'false' THEN json('false') WHEN 'real' THEN json(printf('%!.17g', n.atom))"
        + " ELSE n.value END) FROM json_each("
        + arrayOrEmpty(from)
        + ") AS n WHERE NOT EXISTS (SELECT 1 FROM json_each("
        + arrayOrEmpty(other)
        + ") AS o WHERE o.type = n.type AND coalesce(o.atom, o.value) IS coalesce(n.atom,"
        + " n.value)))";
  }

  private static String arrayOrEmpty(String value) {
    return "CASE WHEN json_valid(" + value + ") THEN " + value + " ELSE '[]' END";
  }

  /**
   * A SQL value as JSON text for a log object. Reals are printed with 17 significant digits because
   * {@code json_quote} (like {@code json_object}) prints only 15 and would lose precision; blobs
   * (which JSON cannot hold) are logged as hex text so a stray blob never fails the application's
   * write.
   */
  private static String valueJson(String expr) {
    return "CASE typeof("
        + expr
        + ") WHEN 'real' THEN CASE WHEN abs("
        + expr
        + ") <= 1.7976931348623157e308 THEN printf('%!.17g', "
        + expr
        + ") ELSE json_quote("
        + expr
        + ") END WHEN 'blob' THEN json_quote(hex("
        + expr
        + ")) ELSE json_quote("
        + expr
        + ") END";
  }

  /** {@link #valueJson} of a value that cannot be a real. */
  private static String textValueJson(String expr) {
    return "CASE WHEN typeof("
        + expr
        + ") = 'blob' THEN json_quote(hex("
        + expr
        + ")) ELSE json_quote("
        + expr
        + ") END";
  }

  /** {@code "name":} of an identifier, which needs no JSON escaping. */
  private static String jsonKey(String name) {
    SqlText.checkIdentifier(name);
    return '"' + name + "\":";
  }

  /** {@code a || b || ...}, parenthesised in groups to keep the expression tree shallow. */
  private static String concat(List<String> pieces) {
    StringBuilder sql = new StringBuilder();
    for (int from = 0; from < pieces.size(); from += MAX_PAIRS_PER_CALL) {
      if (from > 0) {
        sql.append(" || ");
      }
      sql.append('(')
          .append(
              String.join(
                  " || ", pieces.subList(from, Math.min(from + MAX_PAIRS_PER_CALL, pieces.size()))))
          .append(')');
    }
    return sql.toString();
  }

  /** {@code json_object} over any number of key/value pairs (keys are identifiers). */
  private static String jsonObject(List<String[]> pairs) {
    if (pairs.isEmpty()) {
      return "json_object()";
    }
    StringBuilder sql = new StringBuilder("json_object(");
    appendPairs(sql, pairs.subList(0, Math.min(MAX_PAIRS_PER_CALL, pairs.size())), false);
    sql.append(')');
    String result = sql.toString();
    for (int from = MAX_PAIRS_PER_CALL; from < pairs.size(); from += MAX_PAIRS_PER_CALL) {
      StringBuilder wrap = new StringBuilder("json_set(").append(result).append(", ");
      appendPairs(
          wrap, pairs.subList(from, Math.min(from + MAX_PAIRS_PER_CALL, pairs.size())), true);
      result = wrap.append(')').toString();
    }
    return result;
  }

  private static void appendPairs(StringBuilder sql, List<String[]> pairs, boolean asPaths) {
    for (int i = 0; i < pairs.size(); i++) {
      if (i > 0) {
        sql.append(", ");
      }
      String key = pairs.get(i)[0];
      sql.append(SqlText.literal(asPaths ? "$." + key : key)).append(", ").append(pairs.get(i)[1]);
    }
  }

  /** {@code json_remove(object, path...)} over any number of path expressions. */
  private static String jsonRemove(String object, List<String> pathExpressions) {
    String result = object;
    for (int from = 0; from < pathExpressions.size(); from += 2 * MAX_PAIRS_PER_CALL) {
      List<String> chunk =
          pathExpressions.subList(
              from, Math.min(from + 2 * MAX_PAIRS_PER_CALL, pathExpressions.size()));
      result = "json_remove(" + result + ", " + String.join(", ", chunk) + ")";
    }
    return result;
  }

  /** A path expression that removes {@code key} when {@code unchanged} holds. */
  private static String removeWhen(String unchanged, String key) {
    return "CASE WHEN " + unchanged + " THEN '$." + key + "' ELSE '$.__none' END";
  }
}
