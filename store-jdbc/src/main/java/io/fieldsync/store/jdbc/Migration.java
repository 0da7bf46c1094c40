package io.fieldsync.store.jdbc;

import io.fieldsync.ConfigException;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Creates the metadata tables and migrates the user tables to a schema, additively: new tables and
 * new nullable columns are added; anything else that differs from {@code _fs_columns} (the schema
 * the tables were made for) is refused before any change, naming the table and column.
 */
final class Migration {
  private final Dialect dialect;
  private final Connection connection;
  private final String location;

  Migration(Dialect dialect, Connection connection, String location) {
    this.dialect = dialect;
    this.connection = connection;
    this.location = location;
  }

  /** The stored shape of one column. */
  private record StoredColumn(String type, boolean primaryKey, boolean required) {}

  void run(Schema schema) throws SQLException {
    Set<String> existing = existingTables();
    Map<String, Map<String, StoredColumn>> stored =
        existing.contains("_fs_columns") ? storedColumns() : new LinkedHashMap<>();
    refuseForeignDatabase(schema, existing, stored);
    createMetadata();
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, Map<String, StoredColumn>> entry : stored.entrySet()) {
      Table table = schema.table(entry.getKey());
      if (table == null) {
        problems.add(
            "table '"
                + entry.getKey()
                + "' is stored but missing from schema v"
                + schema.version()
                + " (removing a table is not an additive change)");
        continue;
      }
      for (Map.Entry<String, StoredColumn> column : entry.getValue().entrySet()) {
        Column wanted = table.column(column.getKey());
        String where = "table '" + table.name() + "', column '" + column.getKey() + "'";
        StoredColumn have = column.getValue();
        if (wanted == null) {
          problems.add(
              where
                  + " is stored but missing from the schema (removing a column is not"
                  + " an additive change)");
        } else if (!wanted.type().schemaName().equals(have.type())) {
          problems.add(
              where
                  + " is stored as "
                  + have.type()
                  + " but the schema says "
                  + wanted.type().schemaName());
        } else if (wanted.primaryKey() != have.primaryKey()) {
          problems.add(where + ": the primary key cannot change");
        } else if (wanted.required() && !have.required()) {
          problems.add(where + " became required; existing rows may hold null");
        }
      }
      for (Column column : table.columns().values()) {
        if (!entry.getValue().containsKey(column.name()) && column.required()) {
          problems.add(
              "table '"
                  + table.name()
                  + "', column '"
                  + column.name()
                  + "' is new and required; existing rows would hold null (add it as optional)");
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(
          "cannot migrate "
              + dialect.name()
              + " store "
              + location
              + " to schema v"
              + schema.version()
              + ": "
              + String.join("; ", problems));
    }
    for (Table table : schema.tables().values()) {
      Map<String, StoredColumn> have = stored.get(table.name());
      if (have == null) {
        createTable(table);
      } else {
        for (Column column : table.columns().values()) {
          if (!have.containsKey(column.name())) {
            dialect.execute(
                connection,
                "ALTER TABLE "
                    + dialect.quote(table.name())
                    + " ADD COLUMN "
                    + dialect.quote(column.name())
                    + " "
                    + dialect.columnType(column.type()));
            remember(table, column);
          }
        }
      }
      if (table.scopeVia() != null) {
        indexScopeParent(table);
      }
    }
  }

  /**
   * Moving a parent to another scope finds its children by their {@code scope: { via }} column:
   * index it, behind the tenant like every index of user data.
   */
  private void indexScopeParent(Table table) throws SQLException {
    dialect.execute(
        connection,
        "CREATE INDEX IF NOT EXISTS "
            + dialect.quote("_fs_" + table.name() + "_by_" + table.scopeVia())
            + " ON "
            + dialect.quote(table.name())
            + " (_tenant, "
            + dialect.quote(table.scopeVia())
            + ")");
  }

  /**
   * A database that is not a server store (a device database, or one with a table of a schema
   * table's name that fieldsync did not create) would be adopted as is by CREATE TABLE IF NOT
   * EXISTS, and every push would then fail on a missing column: refuse it before any change.
   */
  private void refuseForeignDatabase(
      Schema schema, Set<String> existing, Map<String, Map<String, StoredColumn>> stored)
      throws SQLException {
    if (existing.contains("_fs_state")) {
      throw new ConfigException(
          location
              + " is a fieldsync device database (it has _fs_state), not a server store; give the"
              + " server a database of its own");
    }
    for (Table table : schema.tables().values()) {
      if (!existing.contains(table.name()) || stored.containsKey(table.name())) {
        continue;
      }
      String why =
          columnsOf(table.name()).contains("_tenant")
              ? "_fs_columns has no record of it"
              : "it has no _tenant column";
      throw new ConfigException(
          dialect.name()
              + " store "
              + location
              + ": table '"
              + table.name()
              + "' exists but was not created by fieldsync ("
              + why
              + "); use another database or drop it");
    }
  }

  /** Tables and views of the connection's current schema, by exact name. */
  private Set<String> existingTables() throws SQLException {
    Set<String> names = new HashSet<>();
    DatabaseMetaData metaData = connection.getMetaData();
    try (ResultSet rows =
        metaData.getTables(
            connection.getCatalog(),
            connection.getSchema(),
            "%",
            new String[] {"TABLE", "VIEW", "PARTITIONED TABLE", "FOREIGN TABLE"})) {
      while (rows.next()) {
        names.add(rows.getString("TABLE_NAME"));
      }
    }
    return names;
  }

  private Set<String> columnsOf(String table) throws SQLException {
    Set<String> columns = new HashSet<>();
    try (PreparedStatement statement =
            connection.prepareStatement("SELECT * FROM " + dialect.quote(table) + " WHERE 1 = 0");
        ResultSet rows = statement.executeQuery()) {
      ResultSetMetaData metaData = rows.getMetaData();
      for (int column = 1; column <= metaData.getColumnCount(); column++) {
        columns.add(metaData.getColumnName(column));
      }
    }
    return columns;
  }

  private void createMetadata() throws SQLException {
    String blob = dialect.blobType();
    String bigint = dialect.bigintType();
    for (String sql :
        List.of(
            "CREATE TABLE IF NOT EXISTS _fs_sequence (tenant TEXT PRIMARY KEY, value "
                + bigint
                + " NOT NULL)",
            "CREATE TABLE IF NOT EXISTS _fs_records (tenant TEXT NOT NULL, tbl TEXT NOT NULL,"
                + " rid TEXT NOT NULL, seq "
                + bigint
                + " NOT NULL, deleted SMALLINT NOT NULL,"
                + " versions "
                + blob
                + " NOT NULL, tombstone "
                + blob
                + ","
                + " PRIMARY KEY (tenant, tbl, rid))",
            // A pull page reads each table's records of a sequence range: with the table in the
            // index, the other tables' records of the range are passed over in the index instead
            // of being fetched from the table. Stores made with (tenant, seq): see below.
            "CREATE INDEX IF NOT EXISTS _fs_records_by_seq ON _fs_records (tenant, seq, tbl)",
            "CREATE TABLE IF NOT EXISTS _fs_journal ("
                + dialect.autoIdColumn()
                + ","
                + " tenant TEXT NOT NULL, seq "
                + bigint
                + " NOT NULL, tbl TEXT NOT NULL,"
                + " rid TEXT NOT NULL, op TEXT NOT NULL, fields TEXT, sent_fields "
                + blob
                + ", hlc "
                + bigint
                + " NOT NULL,"
                + " device TEXT NOT NULL, batch_id TEXT, outcome TEXT NOT NULL, reason TEXT)",
            "CREATE INDEX IF NOT EXISTS _fs_journal_by_record ON _fs_journal (tenant, tbl, rid)",
            "CREATE TABLE IF NOT EXISTS _fs_batches (tenant TEXT NOT NULL, device TEXT NOT NULL,"
                + " batch_id TEXT NOT NULL, outcome "
                + blob
                + " NOT NULL,"
                + " PRIMARY KEY (tenant, device, batch_id))",
            "CREATE TABLE IF NOT EXISTS _fs_review ("
                + dialect.autoIdColumn()
                + ","
                + " tenant TEXT NOT NULL, tbl TEXT NOT NULL, rid TEXT NOT NULL, col TEXT,"
                + " server_value "
                + blob
                + ", device_value "
                + blob
                + ", base_seq "
                + bigint
                + " NOT NULL, server_hlc "
                + bigint
                + " NOT NULL, server_device TEXT,"
                + " device_hlc "
                + bigint
                + " NOT NULL, device TEXT, reason TEXT,"
                + " created_at "
                + bigint
                + " NOT NULL, status TEXT NOT NULL, resolution TEXT,"
                + " resolved_at "
                + bigint
                + ")",
            "CREATE INDEX IF NOT EXISTS _fs_review_by_tenant ON _fs_review (tenant, status, id)",
            "CREATE TABLE IF NOT EXISTS _fs_purged (tenant TEXT PRIMARY KEY, seq "
                + bigint
                + " NOT NULL)",
            "CREATE TABLE IF NOT EXISTS _fs_purge_marks (tenant TEXT NOT NULL, seq "
                + bigint
                + " NOT NULL, at "
                + bigint
                + " NOT NULL, PRIMARY KEY (tenant, seq))",
            "CREATE TABLE IF NOT EXISTS _fs_devices (tenant TEXT NOT NULL, device TEXT NOT NULL,"
                + " last_batch "
                + bigint
                + " NOT NULL, PRIMARY KEY (tenant, device))",
            "CREATE TABLE IF NOT EXISTS _fs_revoked (tenant TEXT NOT NULL, device TEXT NOT NULL,"
                + " issued_up_to "
                + bigint
                + " NOT NULL, PRIMARY KEY (tenant, device))",
            "CREATE TABLE IF NOT EXISTS _fs_device_activity (tenant TEXT NOT NULL,"
                + " device TEXT NOT NULL, user_id TEXT, last_seen "
                + bigint
                + " NOT NULL, last_result TEXT, cursor_seq "
                + bigint
                + ", pending "
                + bigint
                + ", live_seen "
                + bigint
                + ", PRIMARY KEY (tenant, device))",
            "CREATE TABLE IF NOT EXISTS _fs_traffic (tenant TEXT NOT NULL, minute "
                + bigint
                + " NOT NULL, kind TEXT NOT NULL, amount "
                + bigint
                + " NOT NULL, PRIMARY KEY (tenant, minute, kind))",
            "CREATE TABLE IF NOT EXISTS _fs_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS _fs_columns (tbl TEXT NOT NULL, col TEXT NOT NULL,"
                + " type TEXT NOT NULL, primary_key SMALLINT NOT NULL, required SMALLINT NOT NULL,"
                + " PRIMARY KEY (tbl, col))")) {
      dialect.execute(connection, sql);
    }
    widenSequenceIndex();
    // Stores made before the journal kept reasons gain the column; their old rows have none.
    Set<String> journalColumns = columnsOf("_fs_journal");
    if (!journalColumns.contains("reason")) {
      dialect.execute(connection, "ALTER TABLE _fs_journal ADD COLUMN reason TEXT");
    }
    // A change's sent fields are kept encoded (sent_fields) and shown as JSON when read; rows of
    // stores made before keep theirs as JSON text (fields).
    if (!journalColumns.contains("sent_fields")) {
      dialect.execute(connection, "ALTER TABLE _fs_journal ADD COLUMN sent_fields " + blob);
    }
    // Decisions other than a plain apply are few; the admin console lists the latest of them.
    dialect.execute(
        connection,
        "CREATE INDEX IF NOT EXISTS _fs_journal_decisions ON _fs_journal (tenant, id)"
            + " WHERE outcome <> 'applied'");
  }

  /**
   * A store made with the sequence index on {@code (tenant, seq)} gets it on {@code (tenant, seq,
   * tbl)}, once: about a second and a half per million records, after which each pull page reads
   * its tables' records faster.
   */
  private void widenSequenceIndex() throws SQLException {
    List<String> columns = new ArrayList<>();
    DatabaseMetaData metaData = connection.getMetaData();
    try (ResultSet rows =
        metaData.getIndexInfo(
            connection.getCatalog(), connection.getSchema(), "_fs_records", false, false)) {
      while (rows.next()) {
        if ("_fs_records_by_seq".equalsIgnoreCase(rows.getString("INDEX_NAME"))) {
          columns.add(rows.getString("COLUMN_NAME"));
        }
      }
    }
    if (columns.equals(List.of("tenant", "seq"))) {
      dialect.execute(connection, "DROP INDEX _fs_records_by_seq");
      dialect.execute(
          connection, "CREATE INDEX _fs_records_by_seq ON _fs_records (tenant, seq, tbl)");
    }
  }

  private Map<String, Map<String, StoredColumn>> storedColumns() throws SQLException {
    Map<String, Map<String, StoredColumn>> result = new LinkedHashMap<>();
    try (PreparedStatement statement =
            connection.prepareStatement(
                "SELECT tbl, col, type, primary_key, required FROM _fs_columns ORDER BY tbl, col");
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        result
            .computeIfAbsent(rows.getString(1), unused -> new LinkedHashMap<>())
            .put(
                rows.getString(2),
                new StoredColumn(rows.getString(3), rows.getInt(4) != 0, rows.getInt(5) != 0));
      }
    }
    return result;
  }

  private void createTable(Table table) throws SQLException {
    StringBuilder sql =
        new StringBuilder("CREATE TABLE IF NOT EXISTS ")
            .append(dialect.quote(table.name()))
            .append(" (_tenant TEXT NOT NULL");
    for (Column column : table.columns().values()) {
      sql.append(", ")
          .append(dialect.quote(column.name()))
          .append(' ')
          .append(dialect.columnType(column.type()));
      if (column.primaryKey()) {
        sql.append(" NOT NULL");
      }
    }
    sql.append(", PRIMARY KEY (_tenant, ")
        .append(dialect.quote(table.primaryKey().name()))
        .append("))");
    dialect.execute(connection, sql.toString());
    for (Column column : table.columns().values()) {
      remember(table, column);
    }
  }

  private void remember(Table table, Column column) throws SQLException {
    new Queries(connection)
        .update(
            "INSERT INTO _fs_columns (tbl, col, type, primary_key, required) VALUES (?, ?, ?, ?, ?)",
            table.name(),
            column.name(),
            column.type().schemaName(),
            column.primaryKey() ? 1 : 0,
            column.required() ? 1 : 0);
  }
}
