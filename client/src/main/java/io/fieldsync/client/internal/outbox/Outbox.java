package io.fieldsync.client.internal.outbox;

import io.fieldsync.client.internal.state.Jdbc;
import io.fieldsync.conflict.FieldEdit;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.ConflictRule;
import io.fieldsync.schema.Table;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.Values;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code _fs_changelog} and consolidates it per record and field, the way the protocol wants
 * changes pushed: an insert then delete of a never-pushed record cancels out, the last value of a
 * field wins with its last HLC, {@code sum} increments add up, {@code union} additions and removals
 * compose in order, and {@code base_seq} is the oldest base among the record's edits.
 */
public final class Outbox {

  /** Identifies one record; {@code rid} may be null when the application wrote a NULL key. */
  public record RecordKey(String table, String rid) {}

  /** One log row with its JSON columns decoded. */
  static final class Row {
    final long id;
    final RecordKey key;
    final char op;
    final long hlc;
    final String device;
    final long base;
    final Map<String, Object> values = new LinkedHashMap<>();
    final Map<String, Long> deltas = new HashMap<>();
    final Map<String, List<String>> added = new HashMap<>();
    final Map<String, List<String>> removed = new HashMap<>();

    Row(long id, RecordKey key, char op, long hlc, String device, long base) {
      this.id = id;
      this.key = key;
      this.op = op;
      this.hlc = hlc;
      this.device = device;
      this.base = base;
    }
  }

  /** The consolidated pending edit of one field. */
  static final class PendingField {
    Object value;
    long hlc;
    String device;
    long base = Long.MAX_VALUE;
    long delta;

    /** Set by an insert: the value is the whole state, add/remove detail is meaningless. */
    boolean whole;

    /** The elements a {@code union} edit added and removed, in order; null until one does. */
    private Set<String> added;

    private Set<String> removed;

    /**
     * Every value written since the record's last delete, once there are two (null while {@code
     * value} is the only one): max/min push their extreme.
     */
    private List<Object> written;

    private boolean hasValue;

    void write(Object next) {
      if (hasValue) {
        if (written == null) {
          written = new ArrayList<>();
          written.add(value);
        }
        written.add(next);
      }
      value = next;
      hasValue = true;
    }

    /** Every value written since the record's last delete, in order. */
    List<Object> writes() {
      if (written != null) {
        return written;
      }
      return hasValue ? Collections.singletonList(value) : List.of();
    }

    Set<String> added() {
      if (added == null) {
        added = new LinkedHashSet<>();
      }
      return added;
    }

    Set<String> removed() {
      if (removed == null) {
        removed = new LinkedHashSet<>();
      }
      return removed;
    }

    /** The elements added, in order (a copy). */
    List<String> addedList() {
      return added == null ? new ArrayList<>() : new ArrayList<>(added);
    }

    /** The elements removed, in order (a copy). */
    List<String> removedList() {
      return removed == null ? new ArrayList<>() : new ArrayList<>(removed);
    }

    /**
     * The value to push: the last one written, except that a {@code max} or {@code min} column
     * pushes the largest or smallest of all its pending writes, as the server would have kept had
     * the device synced between them (so the outcome does not depend on when devices sync).
     */
    Object pushed(Column column, ConflictRule rule) {
      int sign = rule == ConflictRule.MAX ? 1 : rule == ConflictRule.MIN ? -1 : 0;
      if (sign == 0 || column == null || written == null) {
        return canonical(column, value);
      }
      Object best = null;
      for (Object raw : written) {
        Object candidate = canonical(column, raw);
        if (candidate instanceof Comparable<?>
            && (best == null || compare(candidate, best) * sign > 0)) {
          best = candidate;
        }
      }
      return best == null ? canonical(column, value) : best;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compare(Object a, Object b) {
      if (!a.getClass().equals(b.getClass())) {
        return 0; // a value of another type than the column's (an uncoercible write): not ranked
      }
      return ((Comparable) a).compareTo(b);
    }
  }

  /** The consolidated pending change of one record. */
  public static final class Pending {
    final RecordKey key;
    char firstOp;
    char lastOp;
    long hlc;
    long base = Long.MAX_VALUE;
    long maxId;
    final Map<String, PendingField> fields = new LinkedHashMap<>();

    Pending(RecordKey key) {
      this.key = key;
    }

    /** A record created and deleted on the device without ever reaching the server. */
    boolean cancelled() {
      return firstOp == 'I' && lastOp == 'D';
    }

    public boolean deleted() {
      return lastOp == 'D';
    }

    void add(Row row) {
      if (firstOp == 0) {
        firstOp = row.op;
      }
      lastOp = row.op;
      hlc = Math.max(hlc, row.hlc);
      base = Math.min(base, row.base);
      maxId = Math.max(maxId, row.id);
      if (row.op == 'D') {
        // A later re-insert carries every column again; what came before no longer matters.
        fields.clear();
        return;
      }
      for (Map.Entry<String, Object> entry : row.values.entrySet()) {
        PendingField field = fields.computeIfAbsent(entry.getKey(), unused -> new PendingField());
        field.write(entry.getValue());
        field.hlc = row.hlc;
        field.device = row.device;
        field.base = Math.min(field.base, row.base);
        if (row.op == 'I') {
          field.whole = true;
          field.added = null;
          field.removed = null;
        }
      }
      for (Map.Entry<String, Long> entry : row.deltas.entrySet()) {
        PendingField field = fields.get(entry.getKey());
        if (field != null) {
          field.delta += entry.getValue();
        }
      }
      for (Map.Entry<String, List<String>> entry : row.added.entrySet()) {
        PendingField field = fields.get(entry.getKey());
        if (field != null && !field.whole) {
          for (String element : entry.getValue()) {
            field.removed().remove(element);
            field.added().add(element);
          }
        }
      }
      for (Map.Entry<String, List<String>> entry : row.removed.entrySet()) {
        PendingField field = fields.get(entry.getKey());
        if (field != null && !field.whole) {
          for (String element : entry.getValue()) {
            field.added().remove(element);
            field.removed().add(element);
          }
        }
      }
    }

    /** The pending edit of a column as the shared conflict strategies take it. */
    public FieldEdit edit(Table table, Column column) {
      PendingField field = fields.get(column.name());
      if (field == null) {
        return null;
      }
      return new FieldEdit(
          field.pushed(column, table.ruleFor(column)),
          field.hlc,
          field.device,
          field.base,
          field.delta,
          field.addedList(),
          field.removedList());
    }

    /** The change to push, or null when the record's edits cancel out. */
    Change toChange(Table table) {
      if (cancelled()) {
        return null;
      }
      Change.Builder change =
          Change.newBuilder()
              .setTable(key.table())
              .setRecordId(key.rid() == null ? "" : key.rid())
              .setHlc(hlc)
              .setBaseSeq(base == Long.MAX_VALUE ? 0 : base);
      if (deleted()) {
        return change.setOp(Op.OP_DELETE).build();
      }
      Op op = firstOp == 'I' ? Op.OP_INSERT : Op.OP_UPDATE;
      change.setOp(op);
      for (Map.Entry<String, PendingField> entry : fields.entrySet()) {
        PendingField field = entry.getValue();
        Column column = table == null ? null : table.column(entry.getKey());
        ConflictRule rule = column == null ? null : table.ruleFor(column);
        FieldChange.Builder wire =
            FieldChange.newBuilder()
                .setColumn(entry.getKey())
                .setValue(Values.toWire(field.pushed(column, rule)))
                .setHlc(field.hlc);
        if (rule == ConflictRule.SUM) {
          wire.setDelta(field.delta);
        } else if (rule == ConflictRule.UNION && !field.whole) {
          wire.addAllAdded(field.addedList()).addAllRemoved(field.removedList());
        }
        change.addFields(wire);
      }
      return change.build();
    }
  }

  private static final String ELEMENT_JSON =
      "CASE e.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' WHEN 'real' THEN CASE WHEN"
          + " CAST(printf('%!.15g', e.atom) AS REAL) = e.atom THEN printf('%!.15g', e.atom) WHEN"
          + " CAST(printf('%!.16g', e.atom) AS REAL) = e.atom THEN printf('%!.16g', e.atom) ELSE"
          + " printf('%!.17g', e.atom) END ELSE json_quote(e.value) END";

  private Outbox() {}

  /**
   * The largest log id such that the rows up to it touch at most {@code maxRecords} records, so a
   * batch always holds every pending row of each of its records; 0 when nothing is pending.
   */
  public static long batchEnd(Connection connection, long upTo, int maxRecords)
      throws SQLException {
    return batchEnd(connection, 0, upTo, maxRecords, Long.MAX_VALUE);
  }

  /**
   * The largest log id such that the rows after {@code after} up to it touch at most {@code
   * maxRecords} records and hold at most {@code maxBytes} of keys and JSON (the batch's first
   * record is always taken whole), so a batch always holds every pending row of each of its
   * records; 0 when nothing is pending.
   */
  public static long batchEnd(
      Connection connection, long after, long upTo, int maxRecords, long maxBytes)
      throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT id, tbl, rid, length(CAST(tbl AS BLOB)) + coalesce(length(CAST(rid AS BLOB)),"
                + " 0) + coalesce(length(CAST(vals AS BLOB)), 0) + coalesce(length(CAST(extra AS"
                + " BLOB)), 0) FROM _fs_changelog WHERE id > ? AND id <= ? ORDER BY id")) {
      select.setLong(1, after);
      select.setLong(2, upTo);
      try (ResultSet rows = select.executeQuery()) {
        Set<RecordKey> seen = new HashSet<>();
        long end = 0;
        long bytes = 0;
        while (rows.next()) {
          RecordKey key = new RecordKey(rows.getString(2), rows.getString(3));
          bytes += rows.getLong(4);
          if (!seen.contains(key)) {
            if (seen.size() == maxRecords || (!seen.isEmpty() && bytes > maxBytes)) {
              break;
            }
            seen.add(key);
          }
          end = rows.getLong(1);
        }
        return end;
      }
    }
  }

  public static long maxId(Connection connection) throws SQLException {
    return new Jdbc(connection).longValue("SELECT coalesce(max(id), 0) FROM _fs_changelog");
  }

  /** Consolidates the log rows up to {@code end}, records in order of their first edit. */
  static Map<RecordKey, Pending> upTo(Connection connection, long end) throws SQLException {
    return consolidate(read(connection, "c.id <= ?1", end));
  }

  /** Consolidates the log rows after {@code after} up to {@code end}, in order of first edit. */
  static Map<RecordKey, Pending> between(Connection connection, long after, long end)
      throws SQLException {
    return consolidate(read(connection, "c.id > ?1 AND c.id <= ?2", after, end));
  }

  /**
   * Every record with pending edits and the ids of its log rows, read in one pass over the log: the
   * log has no index by record (keeping one up to date doubled the cost of a captured insert), so a
   * record's rows are then read by id.
   */
  public static PendingLog pendingKeys(Connection connection) throws SQLException {
    Map<RecordKey, List<Long>> ids = new HashMap<>();
    try (PreparedStatement select =
            connection.prepareStatement("SELECT id, tbl, rid FROM _fs_changelog ORDER BY id");
        ResultSet rows = select.executeQuery()) {
      while (rows.next()) {
        ids.computeIfAbsent(
                new RecordKey(rows.getString(2), rows.getString(3)), unused -> new ArrayList<>())
            .add(rows.getLong(1));
      }
    }
    return new PendingLog(ids);
  }

  /**
   * The records with rows in the log when it was read, and where their rows are. Valid while the
   * log gains no rows: the callers read it with capture off, inside the transaction that uses it.
   */
  public static final class PendingLog {
    /** Ids bound per query; a record with more rows (rare) is read by a scan of the log. */
    private static final int MAX_BOUND_IDS = 500;

    /** No record pending. */
    public static final PendingLog NONE = new PendingLog(Map.of());

    private final Map<RecordKey, List<Long>> ids;

    PendingLog(Map<RecordKey, List<Long>> ids) {
      this.ids = ids;
    }

    public boolean isEmpty() {
      return ids.isEmpty();
    }

    public boolean contains(RecordKey key) {
      return ids.containsKey(key);
    }

    /** The record's pending edits, or null when it has none. */
    public Pending forRecord(Connection connection, RecordKey key) throws SQLException {
      List<Long> rows = ids.get(key);
      if (rows == null) {
        return null;
      }
      List<Row> read;
      if (rows.size() > MAX_BOUND_IDS) {
        read = Outbox.read(connection, "c.tbl = ?1 AND c.rid IS ?2", key.table(), key.rid());
      } else {
        StringBuilder filter = new StringBuilder("c.id IN (");
        for (int i = 0; i < rows.size(); i++) {
          filter.append(i == 0 ? "?" : ", ?").append(i + 1);
        }
        read = Outbox.read(connection, filter.append(')').toString(), rows.toArray());
      }
      return read.isEmpty() ? null : consolidate(read).get(key);
    }
  }

  static Map<RecordKey, Pending> consolidate(List<Row> rows) {
    Map<RecordKey, Pending> result = new LinkedHashMap<>();
    for (Row row : rows) {
      result.computeIfAbsent(row.key, Pending::new).add(row);
    }
    return result;
  }

  /**
   * The log rows {@code filter} selects, its numbered parameters ?1, ?2… bound to {@code args}.
   *
   * <p>The rows and their {@code vals} and {@code extra} JSON are read in one pass and the JSON is
   * parsed here: as SQLite's {@code json_each} types it, a number with a fraction or exponent is a
   * real and any other an integer. Only the elements of {@code union} edits, and values the
   * application wrote through SQLite's JSON functions (logged as JSON arrays or objects, not as
   * text), are read through SQLite, as the text it prints them in, and only for rows that have
   * them.
   */
  static List<Row> read(Connection connection, String filter, Object... args) throws SQLException {
    Map<Long, Row> rows = new LinkedHashMap<>();
    List<Row> withValues = new ArrayList<>();
    List<String> values = new ArrayList<>();
    List<Row> withExtra = new ArrayList<>();
    List<String> extras = new ArrayList<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT c.id, c.tbl, c.rid, c.op, c.hlc, c.device, c.base, c.vals, c.extra"
                + " FROM _fs_changelog AS c WHERE "
                + filter
                + " ORDER BY c.id")) {
      Jdbc.bind(select, args);
      try (ResultSet result = select.executeQuery()) {
        while (result.next()) {
          long id = result.getLong(1);
          String op = result.getString(4);
          Row row =
              new Row(
                  id,
                  new RecordKey(result.getString(2), result.getString(3)),
                  op.isEmpty() ? '?' : op.charAt(0),
                  result.getLong(5),
                  result.getString(6),
                  result.getLong(7));
          rows.put(id, row);
          String vals = result.getString(8);
          if (vals != null) {
            withValues.add(row);
            values.add(vals);
          }
          String extra = result.getString(9);
          if (extra != null) {
            withExtra.add(row);
            extras.add(extra);
          }
        }
      }
    }
    List<Row> nested = withValues.isEmpty() ? List.of() : LogJson.values(withValues, values);
    boolean unionEdits = !withExtra.isEmpty() && LogJson.deltas(withExtra, extras);
    for (Row row : nested) {
      readJsonValues(connection, row);
    }
    if (unionEdits) {
      readUnionElements(connection, filter, args, rows);
    }
    return rows.isEmpty() ? List.of() : new ArrayList<>(rows.values());
  }

  /** The text of the row's array and object values, as SQLite prints them. */
  private static void readJsonValues(Connection connection, Row row) throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT j.key, j.value FROM _fs_changelog AS c, json_each(c.vals) AS j"
                + " WHERE c.id = ? AND j.type IN ('array', 'object')")) {
      select.setLong(1, row.id);
      try (ResultSet result = select.executeQuery()) {
        while (result.next()) {
          row.values.put(result.getString(1), result.getString(2));
        }
      }
    }
  }

  /** The elements each {@code union} edit of the rows added and removed, in their order. */
  private static void readUnionElements(
      Connection connection, String filter, Object[] args, Map<Long, Row> rows)
      throws SQLException {
    String from = " FROM _fs_changelog AS c, ";
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT c.id, 'a', u.key, "
                + ELEMENT_JSON
                + ", u.id * 4294967296 + e.id"
                + from
                + "json_each(c.extra) AS u, json_each(u.value, '$.a') AS e WHERE "
                + filter
                + " AND u.type = 'object'"
                + " UNION ALL SELECT c.id, 'r', u.key, "
                + ELEMENT_JSON
                + ", u.id * 4294967296 + e.id"
                + from
                + "json_each(c.extra) AS u, json_each(u.value, '$.r') AS e WHERE "
                + filter
                + " AND u.type = 'object'"
                + " ORDER BY 1, 2, 5")) {
      Jdbc.bind(select, args);
      try (ResultSet result = select.executeQuery()) {
        while (result.next()) {
          Row row = rows.get(result.getLong(1));
          if (row == null) {
            continue;
          }
          Map<String, List<String>> elements =
              result.getString(2).equals("a") ? row.added : row.removed;
          elements
              .computeIfAbsent(result.getString(3), unused -> new ArrayList<>())
              .add(result.getString(4));
        }
      }
    }
  }

  /** The column type's canonical value, or the raw value for the server to judge. */
  public static Object canonical(Column column, Object raw) {
    if (column == null || raw == null) {
      return raw;
    }
    try {
      return column.type().coerce(raw);
    } catch (IllegalArgumentException e) {
      return raw;
    }
  }
}
