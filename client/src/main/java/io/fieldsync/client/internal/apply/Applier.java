package io.fieldsync.client.internal.apply;

import io.fieldsync.client.internal.capture.SqlText;
import io.fieldsync.client.internal.outbox.Outbox;
import io.fieldsync.client.internal.outbox.Outbox.Pending;
import io.fieldsync.client.internal.outbox.Outbox.RecordKey;
import io.fieldsync.conflict.FieldEdit;
import io.fieldsync.conflict.FieldState;
import io.fieldsync.conflict.Verdict;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.ColumnType;
import io.fieldsync.schema.ConflictRule;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.wire.PulledPage;
import io.fieldsync.wire.Record;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes records as the server holds them into local rows. The caller runs it inside a transaction
 * that has switched capture off, so nothing it writes goes back into the outbox.
 *
 * <p>Pending local edits stay on top: for a field the device changed and has not had acknowledged,
 * the value shown is what the column's conflict strategy makes of the server's value and the
 * pending edit ({@code Take} shows the result, {@code Keep} the server value, {@code Review} the
 * pending local value), so a counter shows the server total plus the local increment and a
 * last-writer-wins field shows the newer write. A record with a pending local delete stays deleted.
 * A tombstone deletes the local row unless the device has pending edits of it; those are pushed,
 * and the server's answer (its delete rule) settles the row.
 */
public final class Applier {
  private static final Logger LOG = LoggerFactory.getLogger(Applier.class);

  /** Receives conflicts found while applying. */
  public interface ConflictSink {
    void conflict(String table, String recordId, String column);
  }

  private final Schema schema;

  /**
   * Per table: its prepared upserts (by the set of columns a record carries) and its delete, for
   * the one connection the engine applies on. Preparing is the expensive part of a row write here:
   * SQLite compiles the table's capture triggers into every INSERT/UPDATE/DELETE it prepares.
   */
  private final Map<String, Writer> writers = new HashMap<>();

  /** The statement whose rows were added with {@code addBatch} and not executed yet, or null. */
  private PreparedStatement batch;

  private Connection owner;

  public Applier(Schema schema) {
    this.schema = schema;
  }

  private Writer writer(Connection connection, Table table) throws SQLException {
    if (connection != owner) {
      close();
      owner = connection;
    }
    Writer writer = writers.get(table.name());
    if (writer == null) {
      writer = new Writer(table);
      writers.put(table.name(), writer);
    }
    return writer;
  }

  /** Closes the cached statements (the schema changed, or the client is closing). */
  public void close() {
    discard();
    for (Writer writer : writers.values()) {
      writer.close();
    }
    writers.clear();
    owner = null;
  }

  /**
   * Applies one record and writes it before returning.
   *
   * @param pendingKeys records that have rows in the outbox (read once per transaction)
   * @return the number of conflicting fields (concurrent server change under a pending edit)
   */
  public int apply(
      Connection connection, Record record, Outbox.PendingLog pendingKeys, ConflictSink sink)
      throws SQLException {
    int conflicts = stage(connection, record, pendingKeys, sink);
    flush();
    return conflicts;
  }

  /**
   * Applies one record, possibly leaving its row write in a JDBC batch with the rows before it that
   * use the same statement (rows run in the order staged). The caller must {@link #flush} before
   * anything else reads or writes the tables, and before capture is switched back on.
   */
  public int stage(
      Connection connection, Record record, Outbox.PendingLog pendingKeys, ConflictSink sink)
      throws SQLException {
    return stage(connection, PulledPage.of(List.of(record)), 0, pendingKeys, sink);
  }

  /** {@link #stage(Connection, Record, Outbox.PendingLog, ConflictSink)} of a page's record. */
  public int stage(
      Connection connection,
      PulledPage page,
      int record,
      Outbox.PendingLog pendingKeys,
      ConflictSink sink)
      throws SQLException {
    String tableName = page.table(record);
    String recordId = page.recordId(record);
    Table table = schema.table(tableName);
    if (table == null) {
      throw NewerSchemaException.table(tableName, recordId, schema.version());
    }
    Writer writer = writer(connection, table);
    RecordKey key = pendingKeys.isEmpty() ? null : new RecordKey(table.name(), recordId);
    Pending pending = key == null ? null : pendingKeys.forRecord(connection, key);
    if (page.deleted(record) || page.absent(record)) {
      if (pending == null || pending.deleted()) {
        PreparedStatement delete = writer.delete(connection);
        delete.setString(1, recordId);
        add(delete);
      }
      return 0;
    }
    if (pending != null && pending.deleted()) {
      return 0;
    }
    int conflicts = 0;
    Object[] values = new Object[writer.columns.length];
    BitSet present = new BitSet(writer.columns.length);
    int expected = 0;
    int end = page.endField(record);
    for (int field = page.firstField(record); field < end; field++) {
      // Fields usually come in declaration order: try the next column before the name lookup.
      String name = page.column(field);
      int slot;
      if (expected < writer.columns.length && writer.columns[expected].name().equals(name)) {
        slot = expected;
      } else if (name.equals(writer.primaryKey)) {
        continue;
      } else {
        Integer found = writer.slots.get(name);
        if (found == null) {
          // Skipping it would lose the value for good: the cursor moves past this record.
          throw NewerSchemaException.column(table.name(), recordId, name, schema.version());
        }
        slot = found;
      }
      expected = slot + 1;
      Column column = writer.columns[slot];
      Object server = shown(column, page.value(field));
      Object shown = server;
      FieldEdit edit = pending == null ? null : pending.edit(table, column);
      if (edit != null) {
        ConflictRule rule = table.ruleFor(column);
        FieldState state = FieldState.of(server, page.hlc(field), "", page.seq(record));
        shown = resolve(rule, state, edit, server);
        if (rule != ConflictRule.SUM && edit.isConcurrentWith(state)) {
          conflicts++;
          sink.conflict(table.name(), recordId, column.name());
        }
      }
      present.set(slot);
      values[slot] = toSqlite(shown);
    }
    PreparedStatement upsert = writer.upsert(connection, present);
    upsert.setString(1, recordId);
    int index = 2;
    for (int slot = present.nextSetBit(0); slot >= 0; slot = present.nextSetBit(slot + 1)) {
      upsert.setObject(index++, values[slot]);
    }
    add(upsert);
    return conflicts;
  }

  private void add(PreparedStatement statement) throws SQLException {
    if (batch != statement) {
      flush();
    }
    statement.addBatch();
    batch = statement;
  }

  /** Writes the rows {@link #stage} left in a batch. */
  public void flush() throws SQLException {
    PreparedStatement pending = batch;
    if (pending != null) {
      batch = null;
      try {
        pending.executeBatch();
      } catch (SQLException | RuntimeException e) {
        pending.clearBatch();
        throw e;
      }
    }
  }

  /**
   * Drops rows staged and not flushed: the transaction they belonged to failed, and they must not
   * be written by the next one. Does nothing after a {@link #flush}.
   */
  public void discard() {
    PreparedStatement pending = batch;
    batch = null;
    if (pending != null) {
      try {
        pending.clearBatch();
      } catch (SQLException e) {
        LOG.debug("clearing a statement batch failed: {}", e.toString());
      }
    }
  }

  /**
   * The value to store for a server value: the column type's canonical form, or the raw value for
   * the server to judge ({@link Outbox#canonical}). Text and JSON are stored as they come either
   * way, so they skip the conversion (JSON would be parsed only to be validated).
   */
  private static Object shown(Column column, Object raw) {
    ColumnType type = column.type();
    if (type == ColumnType.TEXT || type == ColumnType.JSON) {
      return raw;
    }
    return Outbox.canonical(column, raw);
  }

  private static Object resolve(
      ConflictRule rule, FieldState state, FieldEdit edit, Object server) {
    try {
      Verdict verdict = rule.strategy().resolve(state, edit);
      if (verdict instanceof Verdict.Take take) {
        return take.value();
      }
      if (verdict instanceof Verdict.Review) {
        return edit.value();
      }
      return server;
    } catch (RuntimeException e) {
      // A value of the wrong type locally (the server has not judged it yet): show the server's.
      LOG.debug("could not resolve a pending edit with {}: {}", rule.schemaName(), e.toString());
      return server;
    }
  }

  /** One table's statements. */
  private static final class Writer {
    final Table table;

    /** The data columns in declaration order; a record's fields bind in this order. */
    final Column[] columns;

    final String primaryKey;
    final Map<String, Integer> slots = new HashMap<>();
    private final Map<BitSet, PreparedStatement> upserts = new HashMap<>();
    private PreparedStatement delete;

    /** The columns of the upsert last asked for: a page's records mostly carry the same ones. */
    private BitSet lastPresent;

    private PreparedStatement lastUpsert;

    Writer(Table table) {
      this.table = table;
      this.primaryKey = table.primaryKey().name();
      this.columns = table.dataColumns().toArray(new Column[0]);
      for (int i = 0; i < columns.length; i++) {
        slots.put(columns[i].name(), i);
      }
    }

    PreparedStatement delete(Connection connection) throws SQLException {
      if (delete == null) {
        delete =
            connection.prepareStatement(
                "DELETE FROM "
                    + SqlText.identifier(table.name())
                    + " WHERE "
                    + SqlText.identifier(table.primaryKey().name())
                    + " = ?");
      }
      return delete;
    }

    /** The upsert of the primary key and the {@code present} columns, prepared once. */
    PreparedStatement upsert(Connection connection, BitSet present) throws SQLException {
      if (present.equals(lastPresent)) {
        return lastUpsert;
      }
      BitSet key = (BitSet) present.clone();
      PreparedStatement statement = upserts.get(key);
      if (statement == null) {
        statement = connection.prepareStatement(upsertSql(present));
        upserts.put(key, statement);
      }
      lastPresent = key;
      lastUpsert = statement;
      return statement;
    }

    private String upsertSql(BitSet present) {
      String primaryKey = SqlText.identifier(table.primaryKey().name());
      StringBuilder sql = new StringBuilder();
      if (present.isEmpty()) {
        return sql.append("INSERT OR IGNORE INTO ")
            .append(SqlText.identifier(table.name()))
            .append(" (")
            .append(primaryKey)
            .append(") VALUES (?)")
            .toString();
      }
      StringBuilder names = new StringBuilder(primaryKey);
      StringBuilder marks = new StringBuilder("?");
      StringBuilder updates = new StringBuilder();
      for (int slot = present.nextSetBit(0); slot >= 0; slot = present.nextSetBit(slot + 1)) {
        String name = SqlText.identifier(columns[slot].name());
        names.append(", ").append(name);
        marks.append(", ?");
        if (updates.length() > 0) {
          updates.append(", ");
        }
        updates.append(name).append(" = excluded.").append(name);
      }
      return sql.append("INSERT INTO ")
          .append(SqlText.identifier(table.name()))
          .append(" (")
          .append(names)
          .append(") VALUES (")
          .append(marks)
          .append(") ON CONFLICT (")
          .append(primaryKey)
          .append(") DO UPDATE SET ")
          .append(updates)
          .toString();
    }

    public void close() {
      List<PreparedStatement> all = new ArrayList<>(upserts.values());
      if (delete != null) {
        all.add(delete);
      }
      for (PreparedStatement statement : all) {
        try {
          statement.close();
        } catch (SQLException e) {
          LOG.debug("closing a cached statement failed: {}", e.toString());
        }
      }
      upserts.clear();
      lastPresent = null;
      lastUpsert = null;
      delete = null;
    }
  }

  static Object toSqlite(Object value) {
    if (value instanceof Boolean flag) {
      return flag ? 1L : 0L;
    }
    return value;
  }
}
