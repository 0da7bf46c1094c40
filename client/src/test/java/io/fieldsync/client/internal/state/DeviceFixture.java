package io.fieldsync.client.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.internal.capture.LocalTables;
import io.fieldsync.client.internal.outbox.Outbox;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaCodec;
import io.fieldsync.schema.SchemaLoader;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A device database made from a schema through the internal API, as {@code FieldSyncClient}
 * initializes one, with no server and no transport; plus SQL helpers over application connections.
 */
public final class DeviceFixture implements AutoCloseable {
  public static final String H1 = "0190c6a2-0000-7000-8000-000000000001";
  public static final String H2 = "0190c6a2-0000-7000-8000-000000000002";
  public static final String V1 = "0190c6a2-0000-7000-8000-0000000000a1";
  public static final String DEVICE = "device-1";
  public static final String TENANT = "acme";
  public static final long SERVER_HLC = 1L << 40;

  /** Stored as the device's server, where nothing listens: these tests never sync. */
  public static final URI NO_SERVER = URI.create("http://127.0.0.1:9");

  public static final String SCHEMA_YAML =
      """
      version: 1
      tables:
        households:
          columns:
            id:        { type: uuid, primary_key: true }
            region:    { type: text, required: true }
            head_name: { type: text }
            visits:    { type: integer, conflict: sum }
            tags:      { type: json, conflict: union }
            score:     { type: real }
            active:    { type: boolean }
            notes:     { type: text, conflict: manual }
        visits:
          columns:
            id:           { type: uuid, primary_key: true }
            household_id: { type: uuid, references: households }
            temperature:  { type: real, conflict: max }
      """;

  private final DeviceDatabase database;
  private final Schema schema;

  private DeviceFixture(DeviceDatabase database, Schema schema) {
    this.database = database;
    this.schema = schema;
  }

  /** A new device database of {@link #SCHEMA_YAML} at {@code file}. */
  public static DeviceFixture create(Path file) {
    return create(file, SchemaLoader.parse(SCHEMA_YAML));
  }

  /** A new device database of {@code schema} at {@code file}. */
  public static DeviceFixture create(Path file, Schema schema) {
    DeviceDatabase database = DeviceDatabase.open(file);
    new LocalTables(database)
        .initialize(
            SchemaCodec.toWire(schema),
            schema,
            TENANT,
            DEVICE,
            SERVER_HLC,
            List.of(NO_SERVER),
            "token");
    return new DeviceFixture(database, schema);
  }

  /** Opens an existing device database as the client does: upgraded to the current layout. */
  public static DeviceFixture open(Path file) {
    DeviceDatabase database = DeviceDatabase.open(file);
    Schema schema = database.read(c -> SchemaCodec.fromWire(database.state().schemaDef()));
    new LocalTables(database).upgrade(schema);
    return new DeviceFixture(database, schema);
  }

  public Path path() {
    return database.path();
  }

  public Schema schema() {
    return schema;
  }

  public DeviceDatabase database() {
    return database;
  }

  /** A new application connection to the file. */
  public Connection connection() {
    return DeviceDatabase.connect(database.path(), false);
  }

  public void sql(String... statements) throws SQLException {
    try (Connection c = connection();
        Statement statement = c.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }

  public List<Map<String, Object>> query(String sql, Object... args) throws SQLException {
    try (Connection c = connection();
        PreparedStatement statement = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        statement.setObject(i + 1, args[i]);
      }
      List<Map<String, Object>> result = new ArrayList<>();
      try (ResultSet rows = statement.executeQuery()) {
        int columns = rows.getMetaData().getColumnCount();
        while (rows.next()) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int i = 1; i <= columns; i++) {
            row.put(rows.getMetaData().getColumnLabel(i), Jdbc.normalize(rows.getObject(i)));
          }
          result.add(row);
        }
      }
      return result;
    }
  }

  public Object scalar(String sql, Object... args) throws SQLException {
    List<Map<String, Object>> rows = query(sql, args);
    assertThat(rows).hasSize(1);
    return rows.get(0).values().iterator().next();
  }

  public List<Map<String, Object>> log() throws SQLException {
    return query(
        "SELECT id, tbl, rid, op, vals, extra, hlc, device, base FROM _fs_changelog ORDER BY id");
  }

  /** A record's pending edits, consolidated as the next push would send them, or null. */
  public Outbox.Pending pending(String table, String id) throws SQLException {
    try (Connection c = connection()) {
      return Outbox.pendingKeys(c).forRecord(c, new Outbox.RecordKey(table, id));
    }
  }

  /** The pending value of one field, as the next push would carry it. */
  public Object pendingValue(String table, String id, String column) throws SQLException {
    var definition = schema.table(table);
    return pending(table, id).edit(definition, definition.column(column)).value();
  }

  @Override
  public void close() {
    database.close();
  }
}
