package io.fieldsync.client;

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
 */
final class LocalSchema {

  static final List<String> INTERNAL_DDL =
      List.of(
          "CREATE TABLE IF NOT EXISTS _fs_state (id INTEGER PRIMARY KEY CHECK (id = 1),"
              + " hlc INTEGER NOT NULL, device TEXT NOT NULL, capture INTEGER NOT NULL DEFAULT 1,"
              + " cursor INTEGER NOT NULL DEFAULT 0)",
          "CREATE TABLE IF NOT EXISTS _fs_meta (key TEXT PRIMARY KEY, value)",
          "CREATE TABLE IF NOT EXISTS _fs_changelog (id INTEGER PRIMARY KEY AUTOINCREMENT,"
              + " tbl TEXT NOT NULL, rid TEXT, op TEXT NOT NULL, vals TEXT, extra TEXT,"
              + " hlc INTEGER NOT NULL, device TEXT NOT NULL, base INTEGER NOT NULL)",
          "CREATE INDEX IF NOT EXISTS _fs_changelog_record ON _fs_changelog (tbl, rid)",
          "CREATE TABLE IF NOT EXISTS _fs_inflight (id INTEGER PRIMARY KEY CHECK (id = 1),"
              + " batch_id TEXT NOT NULL, max_log_id INTEGER NOT NULL, request BLOB NOT NULL,"
              + " created_at INTEGER NOT NULL)",
          "CREATE TABLE IF NOT EXISTS _fs_rejected (id INTEGER PRIMARY KEY AUTOINCREMENT,"
              + " tbl TEXT NOT NULL, rid TEXT, op TEXT NOT NULL, vals TEXT, reason TEXT NOT NULL,"
              + " batch_id TEXT NOT NULL, at INTEGER NOT NULL)",
          "CREATE TABLE IF NOT EXISTS _fs_replaced (tbl TEXT NOT NULL, rid TEXT, vals TEXT NOT NULL)",
          "CREATE INDEX IF NOT EXISTS _fs_replaced_record ON _fs_replaced (tbl, rid)",
          ParkedEdits.DDL);

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

  static List<String> dropTriggers(Table table) {
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

    result.add(
        "CREATE TRIGGER "
            + triggerName(table, "stash")
            + " BEFORE INSERT ON "
            + name
            + " WHEN "
            + Sql.CAPTURE_ON
            + " BEGIN DELETE FROM _fs_replaced WHERE tbl = "
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

    Function<Column, String> fromStash =
        column -> "json_extract(s.vals, " + Sql.literal("$." + column.name()) + ")";
    result.add(
        "CREATE TRIGGER "
            + triggerName(table, "ins")
            + " AFTER INSERT ON "
            + name
            + " WHEN "
            + Sql.CAPTURE_ON
            + " BEGIN "
            + bumpClock()
            + logInsert(table, "NEW", " WHERE NOT EXISTS (" + stashed + ")")
            + "INSERT INTO _fs_changelog (tbl, rid, op, vals, extra, hlc, device, base) SELECT "
            + tbl
            + ", NEW."
            + key
            + ", 'U', c.vals, c.extra, st.hlc, st.device, st.cursor FROM _fs_state AS st, (SELECT "
            + changedValues(table, fromStash)
            + " AS vals, "
            + changedExtra(table, fromStash)
            + " AS extra FROM _fs_replaced AS s WHERE s.tbl = "
            + tbl
            + " AND s.rid IS NEW."
            + key
            + ") AS c WHERE c.vals <> '{}'; DELETE FROM _fs_replaced WHERE tbl = "
            + tbl
            + " AND rid IS NEW."
            + key
            + "; END");

    List<Column> data = table.dataColumns();
    if (!data.isEmpty()) {
      List<String> anyChanged = new ArrayList<>();
      for (Column column : data) {
        String col = Sql.id(column.name());
        anyChanged.add("OLD." + col + " IS NOT NEW." + col);
      }
      Function<Column, String> fromOld = column -> "OLD." + Sql.id(column.name());
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
              + bumpClock()
              + "INSERT INTO _fs_changelog (tbl, rid, op, vals, extra, hlc, device, base) SELECT "
              + tbl
              + ", NEW."
              + key
              + ", 'U', "
              + changedValues(table, fromOld)
              + ", "
              + changedExtra(table, fromOld)
              + ", hlc, device, cursor FROM _fs_state; END");
    }

    result.add(
        "CREATE TRIGGER "
            + triggerName(table, "rekey")
            + " AFTER UPDATE ON "
            + name
            + " WHEN "
            + Sql.CAPTURE_ON
            + " AND OLD."
            + key
            + " IS NOT NEW."
            + key
            + " BEGIN "
            + bumpClock()
            + logDelete(table)
            + bumpClock()
            + logInsert(table, "NEW", "")
            + "END");

    result.add(
        "CREATE TRIGGER "
            + triggerName(table, "del")
            + " AFTER DELETE ON "
            + name
            + " WHEN "
            + Sql.CAPTURE_ON
            + " BEGIN "
            + bumpClock()
            + logDelete(table)
            + "END");
    return result;
  }

  private static String bumpClock() {
    return "UPDATE _fs_state SET hlc = " + Sql.NEXT_HLC + "; ";
  }

  private static String logInsert(Table table, String row, String where) {
    String key = Sql.id(table.primaryKey().name());
    List<String[]> deltas = new ArrayList<>();
    for (Column column : table.dataColumns()) {
      if (table.ruleFor(column) == ConflictRule.SUM) {
        deltas.add(
            new String[] {column.name(), "coalesce(" + row + "." + Sql.id(column.name()) + ", 0)"});
      }
    }
    return "INSERT INTO _fs_changelog (tbl, rid, op, vals, extra, hlc, device, base) SELECT "
        + Sql.literal(table.name())
        + ", "
        + row
        + "."
        + key
        + ", 'I', "
        + allValues(table, column -> row + "." + Sql.id(column.name()))
        + ", "
        + (deltas.isEmpty() ? "NULL" : Sql.jsonObject(deltas))
        + ", hlc, device, cursor FROM _fs_state"
        + where
        + "; ";
  }

  private static String logDelete(Table table) {
    return "INSERT INTO _fs_changelog (tbl, rid, op, vals, extra, hlc, device, base) SELECT "
        + Sql.literal(table.name())
        + ", OLD."
        + Sql.id(table.primaryKey().name())
        + ", 'D', NULL, NULL, hlc, device, cursor FROM _fs_state; ";
  }

  private static String allValues(Table table, Function<Column, String> value) {
    List<String[]> pairs = new ArrayList<>();
    for (Column column : table.dataColumns()) {
      pairs.add(new String[] {column.name(), Sql.jsonValue(value.apply(column))});
    }
    return Sql.jsonObject(pairs);
  }

  /** JSON object of the columns whose new value differs from {@code old}. */
  private static String changedValues(Table table, Function<Column, String> old) {
    List<String> removals = new ArrayList<>();
    for (Column column : table.dataColumns()) {
      removals.add(Sql.removeWhen(unchanged(column, old), column.name()));
    }
    return Sql.jsonRemove(allValues(table, column -> "NEW." + Sql.id(column.name())), removals);
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
