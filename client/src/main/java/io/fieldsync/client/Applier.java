package io.fieldsync.client;

import io.fieldsync.client.Outbox.Pending;
import io.fieldsync.client.Outbox.RecordKey;
import io.fieldsync.conflict.FieldEdit;
import io.fieldsync.conflict.FieldState;
import io.fieldsync.conflict.Verdict;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.ConflictRule;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.wire.Field;
import io.fieldsync.wire.Record;
import io.fieldsync.wire.Values;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
final class Applier {
  private static final Logger LOG = LoggerFactory.getLogger(Applier.class);

  /** Receives conflicts found while applying. */
  interface ConflictSink {
    void conflict(String table, String recordId, String column);
  }

  private final Schema schema;

  /**
   * Prepared upserts and deletes by SQL text, for the one connection the engine applies on.
   * Preparing is the expensive part of a row write here: SQLite compiles the table's capture
   * triggers into every INSERT/UPDATE/DELETE it prepares, so a fresh statement per pulled row cost
   * more than the write itself.
   */
  private final Map<String, PreparedStatement> statements = new HashMap<>();

  private Connection owner;

  Applier(Schema schema) {
    this.schema = schema;
  }

  private PreparedStatement statement(Connection connection, String sql) throws SQLException {
    if (connection != owner) {
      close();
      owner = connection;
    }
    PreparedStatement statement = statements.get(sql);
    if (statement == null) {
      statement = connection.prepareStatement(sql);
      statements.put(sql, statement);
    }
    return statement;
  }

  /** Closes the cached statements (the schema changed, or the client is closing). */
  void close() {
    for (PreparedStatement statement : statements.values()) {
      try {
        statement.close();
      } catch (SQLException e) {
        LOG.debug("closing a cached statement failed: {}", e.toString());
      }
    }
    statements.clear();
    owner = null;
  }

  /**
   * Applies one record.
   *
   * @param pendingKeys records that have rows in the outbox (read once per transaction)
   * @return the number of conflicting fields (concurrent server change under a pending edit)
   */
  int apply(Connection connection, Record record, Set<RecordKey> pendingKeys, ConflictSink sink)
      throws SQLException {
    Table table = schema.table(record.getTable());
    if (table == null) {
      LOG.warn(
          "skipping a record of table '{}', which the local schema (version {}) does not have",
          record.getTable(),
          schema.version());
      return 0;
    }
    RecordKey key = new RecordKey(table.name(), record.getRecordId());
    Pending pending = pendingKeys.contains(key) ? Outbox.forRecord(connection, key) : null;
    String primaryKey = Sql.id(table.primaryKey().name());
    if (record.getDeleted() || record.getAbsent()) {
      if (pending == null || pending.deleted()) {
        PreparedStatement delete =
            statement(
                connection,
                "DELETE FROM " + Sql.id(table.name()) + " WHERE " + primaryKey + " = ?");
        delete.setString(1, record.getRecordId());
        delete.executeUpdate();
      }
      return 0;
    }
    if (pending != null && pending.deleted()) {
      return 0;
    }
    int conflicts = 0;
    List<String> columns = new ArrayList<>();
    List<Object> values = new ArrayList<>();
    for (Field field : record.getFieldsList()) {
      Column column = table.column(field.getColumn());
      if (column == null || column.primaryKey()) {
        continue;
      }
      Object server = Outbox.canonical(column, Values.fromWire(field.getValue()));
      Object shown = server;
      FieldEdit edit = pending == null ? null : pending.edit(table, column);
      if (edit != null) {
        ConflictRule rule = table.ruleFor(column);
        FieldState state = FieldState.of(server, field.getHlc(), "", record.getSeq());
        shown = resolve(rule, state, edit, server);
        if (rule != ConflictRule.SUM && edit.isConcurrentWith(state)) {
          conflicts++;
          sink.conflict(table.name(), record.getRecordId(), column.name());
        }
      }
      columns.add(column.name());
      values.add(shown);
    }
    upsert(connection, table, record.getRecordId(), columns, values);
    return conflicts;
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

  private void upsert(
      Connection connection,
      Table table,
      String recordId,
      List<String> columns,
      List<Object> values)
      throws SQLException {
    String primaryKey = Sql.id(table.primaryKey().name());
    StringBuilder sql = new StringBuilder();
    if (columns.isEmpty()) {
      sql.append("INSERT OR IGNORE INTO ")
          .append(Sql.id(table.name()))
          .append(" (")
          .append(primaryKey)
          .append(") VALUES (?)");
    } else {
      StringBuilder names = new StringBuilder(primaryKey);
      StringBuilder marks = new StringBuilder("?");
      StringBuilder updates = new StringBuilder();
      for (String column : columns) {
        String name = Sql.id(column);
        names.append(", ").append(name);
        marks.append(", ?");
        if (updates.length() > 0) {
          updates.append(", ");
        }
        updates.append(name).append(" = excluded.").append(name);
      }
      sql.append("INSERT INTO ")
          .append(Sql.id(table.name()))
          .append(" (")
          .append(names)
          .append(") VALUES (")
          .append(marks)
          .append(") ON CONFLICT (")
          .append(primaryKey)
          .append(") DO UPDATE SET ")
          .append(updates);
    }
    PreparedStatement statement = statement(connection, sql.toString());
    statement.setString(1, recordId);
    for (int i = 0; i < values.size(); i++) {
      statement.setObject(i + 2, toSqlite(values.get(i)));
    }
    statement.executeUpdate();
  }

  static Object toSqlite(Object value) {
    if (value instanceof Boolean flag) {
      return flag ? 1L : 0L;
    }
    return value;
  }
}
