package io.fieldsync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.internal.outbox.Outbox;
import io.fieldsync.client.internal.state.Jdbc;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** A device database initialized against a {@link FakeServer}, plus SQL helpers. */
abstract class ClientFixture {
  static final String H1 = "0190c6a2-0000-7000-8000-000000000001";
  static final String H2 = "0190c6a2-0000-7000-8000-000000000002";
  static final String V1 = "0190c6a2-0000-7000-8000-0000000000a1";

  @TempDir Path dir;
  final FakeServer server = new FakeServer();
  final Clock clock = Clock.fixed(Instant.parse("2026-11-22T10:15:30Z"), ZoneOffset.UTC);
  FieldSyncClient client;

  Path db() {
    return dir.resolve("device.db");
  }

  FieldSyncClient init() {
    client = builder().initialize();
    return client;
  }

  FieldSyncClient.Builder builder() {
    return FieldSyncClient.builder(db()).transport(server).clock(clock).seed(42);
  }

  @AfterEach
  void closeClient() {
    if (client != null) {
      client.close();
    }
  }

  void sql(String... statements) throws SQLException {
    try (Connection c = client.connection();
        Statement statement = c.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }

  List<Map<String, Object>> query(String sql, Object... args) throws SQLException {
    try (Connection c = client.connection();
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

  Object scalar(String sql, Object... args) throws SQLException {
    List<Map<String, Object>> rows = query(sql, args);
    assertThat(rows).hasSize(1);
    return rows.get(0).values().iterator().next();
  }

  List<Map<String, Object>> log() throws SQLException {
    return query(
        "SELECT id, tbl, rid, op, vals, extra, hlc, device, base FROM _fs_changelog ORDER BY id");
  }

  /** The outbox consolidated as the next push would see it. */
  Map<Outbox.RecordKey, Outbox.Pending> pending() throws SQLException {
    try (Connection c = client.connection()) {
      return Outbox.upTo(c, Long.MAX_VALUE);
    }
  }

  Outbox.Pending pending(String table, String id) throws SQLException {
    return pending().get(new Outbox.RecordKey(table, id));
  }
}
