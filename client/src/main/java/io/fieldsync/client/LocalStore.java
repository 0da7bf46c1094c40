package io.fieldsync.client;

import com.google.protobuf.InvalidProtocolBufferException;
import io.fieldsync.ConfigException;
import io.fieldsync.StorageException;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaCodec;
import io.fieldsync.schema.Table;
import io.fieldsync.wire.SchemaDef;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.sqlite.SQLiteConfig;

/** Connections to the local database and its {@code _fs_state} / {@code _fs_meta} bookkeeping. */
final class LocalStore {
  static final String META_SERVER = "server_url";
  static final String META_TOKEN = "token";

  /** Several server nodes, one URL a line, when the device was initialized with a list. */
  static final String META_SERVERS = "server_urls";

  static final String META_TENANT = "tenant";
  static final String META_SCHEMA = "schema";
  static final String META_SCHEMA_VERSION = "schema_version";
  static final String META_LAST_SYNC_AT = "last_sync_at";

  /** Batches this database has made (PushRequest.device_batch of the last one). */
  static final String META_DEVICE_BATCHES = "device_batches";

  /** The layout of the internal tables and triggers; absent means layout 1. */
  static final String META_LAYOUT = "layout";

  /**
   * The cursor at which the current run of pull pages began: up to it this database holds every
   * record whole (see {@code PullRequest.since}); absent means 0, whole records.
   */
  static final String META_PULL_SINCE = "pull_since";

  /** Write ranges of acknowledged pushes, for echo suppression (see SyncEngine). */
  static final String META_OWN_WRITES = "own_writes";

  static final int BUSY_TIMEOUT_MILLIS = 10_000;

  /** The sync state row. */
  record State(long hlc, String device, long cursor) {}

  @FunctionalInterface
  interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  private LocalStore() {}

  /**
   * A connection with foreign keys off and a busy timeout.
   *
   * @param immediate whether transactions take the write lock at BEGIN (the engine's own
   *     connection: it avoids lock upgrades failing under concurrent writers)
   */
  static Connection connect(Path database, boolean immediate) {
    SQLiteConfig config = new SQLiteConfig();
    config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
    config.enforceForeignKeys(false);
    if (immediate) {
      config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
      // The engine never asks for generated keys; with them on, the driver runs an extra
      // "SELECT last_insert_rowid()" after every INSERT it executes (each pulled row).
      config.setGetGeneratedKeys(false);
    }
    try {
      return DriverManager.getConnection("jdbc:sqlite:" + database, config.toProperties());
    } catch (SQLException e) {
      throw new StorageException("cannot open local database " + database + ": " + e, e);
    }
  }

  /** Runs {@code work} in one transaction, rolling back on any failure. */
  static <T> T transaction(Connection connection, Work<T> work) {
    try {
      connection.setAutoCommit(false);
      try {
        T result = work.run(connection);
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException | Error e) {
        try {
          connection.rollback();
        } catch (SQLException rollback) {
          e.addSuppressed(rollback);
        }
        throw e;
      } finally {
        connection.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw storage(e);
    }
  }

  /** A lowered {@code PRAGMA synchronous}, restored by {@link #close}. */
  record RelaxedSync(Connection connection, int previous) implements AutoCloseable {
    @Override
    public void close() {
      try (Statement statement = connection.createStatement()) {
        statement.execute("PRAGMA synchronous = " + previous);
      } catch (SQLException e) {
        throw storage(e);
      }
    }
  }

  /**
   * Lowers {@code PRAGMA synchronous} to NORMAL until the handle is closed: in WAL mode commits
   * stay atomic and survive a crash of the process, but are not synced to disk one by one, so a
   * power cut may lose the last few. Only for transactions that are simply fetched again when lost:
   * pulled pages, which commit together with their cursor. Never around a push (its inflight
   * request must be on disk before the batch is sent). Call outside a transaction.
   */
  static RelaxedSync relaxedSync(Connection connection) {
    try (Statement statement = connection.createStatement()) {
      int previous;
      try (ResultSet rows = statement.executeQuery("PRAGMA synchronous")) {
        previous = rows.next() ? rows.getInt(1) : 2;
      }
      statement.execute("PRAGMA synchronous = NORMAL");
      return new RelaxedSync(connection, previous);
    } catch (SQLException e) {
      throw storage(e);
    }
  }

  static StorageException storage(SQLException e) {
    return new StorageException("local database failed: " + e.getMessage(), e);
  }

  static boolean isInitialized(Connection connection) throws SQLException {
    try (PreparedStatement select =
            connection.prepareStatement(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_fs_state'");
        ResultSet rows = select.executeQuery()) {
      return rows.next() && rows.getInt(1) == 1 && state(connection) != null;
    }
  }

  static void initialize(
      Connection connection,
      SchemaDef def,
      Schema schema,
      String tenant,
      String device,
      long serverHlc,
      String serverUrl,
      String token)
      throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("PRAGMA journal_mode=WAL");
    }
    transaction(
        connection,
        c -> {
          execute(c, LocalSchema.create(schema));
          try (PreparedStatement insert =
              c.prepareStatement(
                  "INSERT INTO _fs_state (id, hlc, device, capture, cursor) VALUES (1, ?, ?, 1, 0)")) {
            insert.setLong(1, Math.max(0, serverHlc));
            insert.setString(2, device);
            insert.executeUpdate();
          }
          putMeta(c, META_SERVER, serverUrl);
          putMeta(c, META_TOKEN, token);
          putMeta(c, META_TENANT, tenant);
          putMeta(c, META_SCHEMA, def.toByteArray());
          putMeta(c, META_SCHEMA_VERSION, (long) schema.version());
          putMeta(c, META_LAYOUT, LocalSchema.LAYOUT);
          return null;
        });
  }

  /** Brings a database made by an older library to the current layout, in one transaction. */
  static void upgrade(Connection connection, Schema schema) throws SQLException {
    Object layout = meta(connection, META_LAYOUT);
    long version = layout instanceof Long number ? number : 1;
    if (version >= LocalSchema.LAYOUT) {
      return;
    }
    transaction(
        connection,
        c -> {
          if (version < 2) {
            execute(c, LocalSchema.upgradeFromLayout1(schema));
          }
          execute(c, LocalSchema.upgradeFromLayout2(schema));
          putMeta(c, META_LAYOUT, LocalSchema.LAYOUT);
          return null;
        });
  }

  /**
   * Brings the local tables and triggers to a newer schema. Only additive changes are supported
   * (new tables, new columns); anything else needs a fresh device database.
   *
   * @throws ConfigException naming the first change that is not additive
   */
  static void migrate(Connection connection, Schema from, Schema to, SchemaDef def)
      throws SQLException {
    List<String> statements = new ArrayList<>();
    for (Table table : from.tables().values()) {
      Table next = to.table(table.name());
      if (next == null) {
        throw notAdditive(from, to, "table '" + table.name() + "' was removed");
      }
      if (!next.primaryKey().name().equals(table.primaryKey().name())) {
        throw notAdditive(from, to, "table '" + table.name() + "' changed its primary key");
      }
      for (Column column : table.columns().values()) {
        Column nextColumn = next.column(column.name());
        if (nextColumn == null) {
          throw notAdditive(
              from, to, "column '" + column.name() + "' of '" + table.name() + "' was removed");
        }
        if (nextColumn.type() != column.type()) {
          throw notAdditive(
              from,
              to,
              "column '" + column.name() + "' of '" + table.name() + "' changed its type");
        }
      }
      for (Column column : next.columns().values()) {
        if (table.column(column.name()) == null) {
          statements.add(
              "ALTER TABLE "
                  + Sql.id(table.name())
                  + " ADD COLUMN "
                  + LocalSchema.columnDefinition(column));
        }
      }
    }
    for (Table table : to.tables().values()) {
      if (from.table(table.name()) == null) {
        statements.add(LocalSchema.createTable(table));
      }
    }
    for (Table table : from.tables().values()) {
      statements.addAll(LocalSchema.dropTriggers(table));
    }
    for (Table table : to.tables().values()) {
      statements.addAll(LocalSchema.createTriggers(table));
    }
    transaction(
        connection,
        c -> {
          execute(c, statements);
          putMeta(c, META_SCHEMA, def.toByteArray());
          putMeta(c, META_SCHEMA_VERSION, (long) to.version());
          return null;
        });
  }

  private static ConfigException notAdditive(Schema from, Schema to, String what) {
    return new ConfigException(
        "server schema changed from version "
            + from.version()
            + " to "
            + to.version()
            + " in a way a device cannot migrate: "
            + what
            + "; initialize a new device database");
  }

  static void execute(Connection connection, List<String> statements) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }

  static State state(Connection connection) throws SQLException {
    try (PreparedStatement select =
            connection.prepareStatement(
                // The clock's last stamp is the newer of the log's last row and the merged floor.
                "SELECT max(hlc, coalesce((SELECT hlc FROM _fs_changelog ORDER BY id DESC LIMIT"
                    + " 1), 0)), device, cursor FROM _fs_state WHERE id = 1");
        ResultSet rows = select.executeQuery()) {
      return rows.next() ? new State(rows.getLong(1), rows.getString(2), rows.getLong(3)) : null;
    }
  }

  static Object meta(Connection connection, String key) throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement("SELECT value FROM _fs_meta WHERE key = ?")) {
      select.setString(1, key);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next() ? Outbox.normalize(rows.getObject(1)) : null;
      }
    }
  }

  static long metaLong(Connection connection, String key) throws SQLException {
    Object value = meta(connection, key);
    return value instanceof Number number ? number.longValue() : 0;
  }

  static String metaText(Connection connection, String key) throws SQLException {
    Object value = meta(connection, key);
    return value == null ? null : value.toString();
  }

  static void putMeta(Connection connection, String key, Object value) throws SQLException {
    try (PreparedStatement upsert =
        connection.prepareStatement(
            "INSERT INTO _fs_meta (key, value) VALUES (?, ?)"
                + " ON CONFLICT (key) DO UPDATE SET value = excluded.value")) {
      upsert.setString(1, key);
      upsert.setObject(2, value);
      upsert.executeUpdate();
    }
  }

  /** The schema stored at initialization or the last migration. */
  static SchemaDef schemaDef(Connection connection) throws SQLException {
    Object bytes = meta(connection, META_SCHEMA);
    if (!(bytes instanceof byte[] raw)) {
      throw new ConfigException("local database has no stored schema; initialize it first");
    }
    try {
      return SchemaDef.parseFrom(raw);
    } catch (InvalidProtocolBufferException e) {
      throw new StorageException("stored schema in _fs_meta is corrupt: " + e.getMessage(), e);
    }
  }

  static Schema schema(Connection connection) throws SQLException {
    return SchemaCodec.fromWire(schemaDef(connection));
  }

  static long count(Connection connection, String table) throws SQLException {
    try (PreparedStatement select = connection.prepareStatement("SELECT count(*) FROM " + table);
        ResultSet rows = select.executeQuery()) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
