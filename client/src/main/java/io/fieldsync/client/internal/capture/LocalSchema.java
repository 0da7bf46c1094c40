package io.fieldsync.client.internal.capture;

import io.fieldsync.schema.Column;
import io.fieldsync.schema.ConflictRule;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The local database layout: the application's tables as declared by the server, the internal
 * {@code _fs_} tables, and the capture triggers.
 *
 * <p>User tables get declared types, the primary key and {@code REFERENCES} clauses, but no NOT
 * NULL or type enforcement: the server validates every change and sends rejections back, and a
 * device must never refuse a write a person made in the field. {@code PRAGMA foreign_keys} stays
 * off because a pulled page may bring a child before its parent arrives.
 *
 * <h2>Capture</h2>
 *
 * Triggers are plain SQL, so writes from any connection (another JDBC connection, the {@code
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
 */
public final class LocalSchema {

  /**
   * The layout version of the internal tables and triggers, kept in {@code _fs_meta}. Layout 4
   * stores the own-write ranges and the server list as JSON.
   */
  public static final long LAYOUT = 4;

  static final String CHANGELOG_DDL =
      "CREATE TABLE IF NOT EXISTS _fs_changelog (id INTEGER PRIMARY KEY, tbl TEXT NOT NULL, rid"
          + " TEXT, op TEXT NOT NULL, vals TEXT, extra TEXT, hlc INTEGER NOT NULL, device TEXT NOT"
          + " NULL, base INTEGER NOT NULL)";

  /**
   * The log's drain trigger: deleting the last row (an ack that empties the outbox) keeps its stamp
   * in {@code _fs_state}, so the next stamp is still higher. The log has no index by record: the
   * insert into it at a random place doubled the cost of a captured insert, and the one lookup by
   * record finds the rows by id instead ({@code Outbox.pendingKeys}).
   */
  static final List<String> CHANGELOG_EXTRAS =
      List.of(
          "CREATE TRIGGER IF NOT EXISTS _fs_changelog_drained AFTER DELETE ON _fs_changelog WHEN"
              + " NOT EXISTS (SELECT 1 FROM _fs_changelog WHERE id > OLD.id) BEGIN UPDATE _fs_state"
              + " SET drained = max(drained, OLD.hlc), hlc = max(hlc, OLD.hlc); END");

  /**
   * A replacement that changed no column leaves an empty update as the log's last row when its
   * stash is deleted; no such row outlives its statement, so clearing an older stash finds none.
   */
  static final String REPLACED_TRIGGER =
      "CREATE TRIGGER IF NOT EXISTS _fs_replaced_used AFTER DELETE ON _fs_replaced BEGIN DELETE"
          + " FROM _fs_changelog WHERE id = (SELECT max(id) FROM _fs_changelog) AND tbl = OLD.tbl"
          + " AND rid IS OLD.rid AND op = 'U' AND vals = '{}'; END";

  /** The device's edits the server parked for review (see {@code ParkedEdits}). */
  public static final String PARKED_DDL =
      "CREATE TABLE IF NOT EXISTS _fs_parked (id INTEGER PRIMARY KEY AUTOINCREMENT,"
          + " tbl TEXT NOT NULL, rid TEXT NOT NULL, col TEXT, device_value TEXT,"
          + " reason TEXT NOT NULL, at INTEGER NOT NULL, seq INTEGER NOT NULL,"
          + " field_hlc INTEGER NOT NULL)";

  static final List<String> INTERNAL_DDL =
      List.of(
          "CREATE TABLE IF NOT EXISTS _fs_state (id INTEGER PRIMARY KEY CHECK (id = 1),"
              + " hlc INTEGER NOT NULL, device TEXT NOT NULL, capture INTEGER NOT NULL DEFAULT 1,"
              + " cursor INTEGER NOT NULL DEFAULT 0, drained INTEGER NOT NULL DEFAULT 0)",
          "CREATE TABLE IF NOT EXISTS _fs_meta (key TEXT PRIMARY KEY, value)",
          CHANGELOG_DDL,
          CHANGELOG_EXTRAS.get(0),
          "CREATE TABLE IF NOT EXISTS _fs_inflight (id INTEGER PRIMARY KEY CHECK (id = 1),"
              + " batch_id TEXT NOT NULL, max_log_id INTEGER NOT NULL, request BLOB NOT NULL,"
              + " created_at INTEGER NOT NULL)",
          "CREATE TABLE IF NOT EXISTS _fs_rejected (id INTEGER PRIMARY KEY AUTOINCREMENT,"
              + " tbl TEXT NOT NULL, rid TEXT, op TEXT NOT NULL, vals TEXT, reason TEXT NOT NULL,"
              + " batch_id TEXT NOT NULL, at INTEGER NOT NULL)",
          "CREATE TABLE IF NOT EXISTS _fs_replaced (tbl TEXT NOT NULL, rid TEXT, vals TEXT NOT NULL)",
          "CREATE INDEX IF NOT EXISTS _fs_replaced_record ON _fs_replaced (tbl, rid)",
          REPLACED_TRIGGER,
          PARKED_DDL);

  /**
   * Brings a database of layout 1 (AUTOINCREMENT log, the clock bumped in {@code _fs_state} by
   * every capture) to this layout: pending log rows keep their ids, stamps and order.
   */
  static List<String> upgradeFromLayout1(Schema schema) {
    List<String> result = new ArrayList<>();
    // Every trigger naming the log goes first: a rename would rewrite them to the old table.
    for (Table table : schema.tables().values()) {
      result.addAll(dropTriggers(table));
    }
    result.add("DROP TRIGGER IF EXISTS _fs_replaced_used");
    result.add("DROP TRIGGER IF EXISTS _fs_changelog_drained");
    result.add("ALTER TABLE _fs_state ADD COLUMN drained INTEGER NOT NULL DEFAULT 0");
    result.add("ALTER TABLE _fs_changelog RENAME TO _fs_changelog_layout1");
    result.add("DROP INDEX IF EXISTS _fs_changelog_record");
    result.add(CHANGELOG_DDL);
    result.add(
        "INSERT INTO _fs_changelog (id, tbl, rid, op, vals, extra, hlc, device, base) SELECT id,"
            + " tbl, rid, op, vals, extra, hlc, device, base FROM _fs_changelog_layout1 ORDER BY id");
    result.add("DROP TABLE _fs_changelog_layout1");
    result.addAll(CHANGELOG_EXTRAS);
    result.add(REPLACED_TRIGGER);
    // The capture triggers come back with the layout-2 step, which always follows this one.
    return result;
  }

  /**
   * Brings a database of layout 2 to layout 3: the log loses its index by record id, and the
   * capture triggers are made again (the stash trigger tests the capture flag first).
   */
  static List<String> upgradeFromLayout2(Schema schema) {
    List<String> result = new ArrayList<>();
    result.add("DROP INDEX IF EXISTS _fs_changelog_rid");
    for (Table table : schema.tables().values()) {
      result.addAll(createTriggers(table));
    }
    return result;
  }

  private LocalSchema() {}

  static String createTable(Table table) {
    StringBuilder sql = new StringBuilder("CREATE TABLE IF NOT EXISTS ");
    sql.append(Sql.id(table.name())).append(" (");
    boolean first = true;
    for (Column column : table.columns().values()) {
      if (!first) {
        sql.append(", ");
      }
      first = false;
      sql.append(columnDefinition(column));
    }
    return sql.append(')').toString();
  }

  static String columnDefinition(Column column) {
    StringBuilder sql = new StringBuilder(Sql.id(column.name()));
    sql.append(' ').append(column.type().sqliteType());
    if (column.primaryKey()) {
      sql.append(" PRIMARY KEY");
    }
    if (column.references() != null) {
      sql.append(" REFERENCES ").append(Sql.id(column.references()));
    }
    return sql.toString();
  }

  public static List<String> dropTriggers(Table table) {
    List<String> result = new ArrayList<>();
    for (String suffix : List.of("stash", "ins", "upd", "rekey", "del")) {
      result.add("DROP TRIGGER IF EXISTS " + triggerName(table, suffix));
    }
    return result;
  }

  private static String triggerName(Table table, String suffix) {
    Sql.checkIdentifier(table.name());
    return "\"_fs_" + table.name() + "_" + suffix + "\"";
  }

  /** Every statement that (re)creates the capture triggers of a table. */
  static List<String> createTriggers(Table table) {
    List<String> result = new ArrayList<>(dropTriggers(table));
    String name = Sql.id(table.name());
    String tbl = Sql.literal(table.name());
    String key = Sql.id(table.primaryKey().name());
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
            + Sql.CAPTURE_ON
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
            + allValues(table, column -> "o." + Sql.id(column.name()))
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
        column -> "json_extract(s.vals, " + Sql.literal("$." + column.name()) + ")";
    String fromStashRow =
        " FROM _fs_replaced AS s WHERE s.tbl = " + tbl + " AND s.rid IS NEW." + key;
    result.add(
        "CREATE TRIGGER "
            + triggerName(table, "ins")
            + " AFTER INSERT ON "
            + name
            + " WHEN "
            + Sql.CAPTURE_ON
            + " BEGIN "
            + append(
                table,
                "NEW." + key,
                "CASE WHEN EXISTS (" + stashed + ") THEN 'U' ELSE 'I' END",
                "coalesce((SELECT "
                    + changedValues(table, fromStash)
                    + fromStashRow
                    + "), "
                    + allValues(table, column -> "NEW." + Sql.id(column.name()))
                    + ")",
                replacementOrInsertExtra(table, stashed, fromStash, fromStashRow))
            + "DELETE FROM _fs_replaced WHERE tbl = "
            + tbl
            + " AND rid IS NEW."
            + key
            + "; END");

    List<Column> data = table.dataColumns();
    if (!data.isEmpty()) {
      Function<Column, String> fromOld = column -> "OLD." + Sql.id(column.name());
      List<String> anyChanged = new ArrayList<>();
      for (Column column : data) {
        String col = Sql.id(column.name());
        anyChanged.add("OLD." + col + " IS NOT NEW." + col);
      }
      result.add(
          "CREATE TRIGGER "
              + triggerName(table, "upd")
              + " AFTER UPDATE ON "
              + name
              + " WHEN "
              + Sql.CAPTURE_ON
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
                  changedExtra(table, fromOld))
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
            + Sql.CAPTURE_ON
            + " AND OLD."
            + key
            + " IS NOT NEW."
            + key
            + " BEGIN "
            + logDelete(table)
            + logInsert(table, "NEW")
            + "END");

    result.add(
        "CREATE TRIGGER "
            + triggerName(table, "del")
            + " AFTER DELETE ON "
            + name
            + " WHEN "
            + Sql.CAPTURE_ON
            + " BEGIN "
            + logDelete(table)
            + "END");
    return result;
  }

  /**
   * One statement appending a log row. It is an INSERT of VALUES because an INSERT whose SELECT
   * reads the log would be staged through a temporary table by SQLite.
   */
  private static String append(Table table, String rid, String op, String vals, String extra) {
    return "INSERT INTO _fs_changelog (tbl, rid, op, vals, extra, hlc, device, base) VALUES ("
        + Sql.literal(table.name())
        + ", "
        + rid
        + ", "
        + op
        + ", "
        + vals
        + ", "
        + extra
        + ", "
        + Sql.NEXT_HLC
        + ", (SELECT device FROM _fs_state), (SELECT cursor FROM _fs_state)); ";
  }

  private static String logInsert(Table table, String row) {
    return append(
        table,
        row + "." + Sql.id(table.primaryKey().name()),
        "'I'",
        allValues(table, column -> row + "." + Sql.id(column.name())),
        insertExtra(table, row));
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
            new String[] {column.name(), "coalesce(" + row + "." + Sql.id(column.name()) + ", 0)"});
      }
    }
    return deltas.isEmpty() ? "NULL" : Sql.jsonObject(deltas);
  }

  private static String logDelete(Table table) {
    return append(table, "OLD." + Sql.id(table.primaryKey().name()), "'D'", "NULL", "NULL");
  }

  /**
   * The JSON object text of every data column, built by concatenation (cheaper than JSON
   * functions).
   */
  private static String allValues(Table table, Function<Column, String> value) {
    List<String> pieces = new ArrayList<>();
    for (Column column : table.dataColumns()) {
      String member = (pieces.isEmpty() ? "" : ",") + Sql.jsonKey(column.name());
      pieces.add(Sql.literal(member) + " || " + jsonValue(column, value.apply(column)));
    }
    return "'{' || " + Sql.concat(pieces) + " || '}'";
  }

  /** JSON object text of the columns whose new value differs from {@code old}. */
  private static String changedValues(Table table, Function<Column, String> old) {
    List<String> pieces = new ArrayList<>();
    for (Column column : table.dataColumns()) {
      pieces.add(
          "CASE WHEN "
              + unchanged(column, old)
              + " THEN '' ELSE "
              + Sql.literal("," + Sql.jsonKey(column.name()))
              + " || "
              + jsonValue(column, "NEW." + Sql.id(column.name()))
              + " END");
    }
    return "'{' || substr(" + Sql.concat(pieces) + ", 2) || '}'";
  }

  /** A TEXT column converts any number written to it into text, so it never holds a real. */
  private static String jsonValue(Column column, String expr) {
    return column.type().sqliteType().equals("TEXT")
        ? Sql.jsonTextValue(expr)
        : Sql.jsonValue(expr);
  }

  /** Sum increments and union additions/removals of the changed columns, or NULL. */
  private static String changedExtra(Table table, Function<Column, String> old) {
    List<String[]> pairs = new ArrayList<>();
    List<String> removals = new ArrayList<>();
    for (Column column : table.dataColumns()) {
      ConflictRule rule = table.ruleFor(column);
      String newValue = "NEW." + Sql.id(column.name());
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
      removals.add(Sql.removeWhen(unchanged(column, old), column.name()));
    }
    if (pairs.isEmpty()) {
      return "NULL";
    }
    return "nullif(" + Sql.jsonRemove(Sql.jsonObject(pairs), removals) + ", '{}')";
  }

  private static String unchanged(Column column, Function<Column, String> old) {
    return old.apply(column) + " IS NEW." + Sql.id(column.name());
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

  /** Every statement that creates the local tables and triggers of a schema. */
  static List<String> create(Schema schema) {
    List<String> result = new ArrayList<>(INTERNAL_DDL);
    for (Table table : schema.tables().values()) {
      result.add(createTable(table));
    }
    for (Table table : schema.tables().values()) {
      result.addAll(createTriggers(table));
    }
    return result;
  }
}
