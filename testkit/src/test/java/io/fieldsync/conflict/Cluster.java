package io.fieldsync.conflict;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fieldsync.TransportException;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.transport.HttpTransport;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.server.ServerConfig;
import io.fieldsync.server.SyncServer;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.sqlite.SqliteStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A real server on loopback over a temporary SQLite store, and devices synced to it over HTTP. The
 * server's wall clock is manual (it starts at the real time, because devices stamp edits from
 * SQLite's clock). Small on purpose: the testkit's own fixtures are built elsewhere.
 */
final class Cluster implements AutoCloseable {
  static final String TENANT = "acme";
  static final byte[] SECRET =
      "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  final Path dir;
  final Path serverDb;
  final Schema schema;
  final AtomicLong wall = new AtomicLong(System.currentTimeMillis());
  final SqliteStore store;
  final SyncServer server;
  private final List<FieldSyncClient> devices = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  Cluster(Path dir, String schemaYaml) {
    this.dir = dir;
    this.schema = SchemaLoader.parse(schemaYaml);
    this.serverDb = dir.resolve("server.db");
    this.store = new SqliteStore(serverDb, StoreOptions.DEFAULTS);
    this.server =
        SyncServer.start(
            ServerConfig.builder(store, schema, SECRET).port(0).wallClock(wall::get).build());
  }

  String token(String device, String role) {
    return server
        .tokens()
        .mint(TENANT, device, "user-" + device, role, List.of(), Duration.ofDays(1));
  }

  String adminToken() {
    return token("console", "admin");
  }

  FieldSyncClient device(String name) {
    return device(name, transport -> transport);
  }

  FieldSyncClient device(String name, Function<Transport, Transport> wrap) {
    Transport transport = wrap.apply(new HttpTransport(server.uri(), token(name, "surveyor")));
    FieldSyncClient client =
        FieldSyncClient.builder(dir.resolve(name + ".db"))
            .server(server.uri())
            .transport(transport)
            .seed(name.hashCode())
            .initialize();
    devices.add(client);
    return client;
  }

  /** Syncs, retrying after transport failures (a faulty transport drops responses). */
  static void sync(FieldSyncClient device) {
    for (int attempt = 1; ; attempt++) {
      try {
        device.syncNow();
        return;
      } catch (TransportException e) {
        if (attempt == 50) {
          throw e;
        }
      }
    }
  }

  static void syncAll(FieldSyncClient... devices) {
    for (FieldSyncClient device : devices) {
      sync(device);
    }
  }

  static void exec(FieldSyncClient device, String sql, Object... args) {
    try (Connection c = device.connection();
        PreparedStatement statement = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        statement.setObject(i + 1, args[i]);
      }
      statement.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /** A device's rows of a table, ordered by primary key, as column → value. */
  static List<Map<String, Object>> rows(FieldSyncClient device, String table) {
    try (Connection c = device.connection()) {
      return query(c, "SELECT * FROM \"" + table + "\" ORDER BY 1");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static Object value(FieldSyncClient device, String sql, Object... args) {
    try (Connection c = device.connection();
        PreparedStatement statement = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        statement.setObject(i + 1, args[i]);
      }
      try (ResultSet rows = statement.executeQuery()) {
        return rows.next() ? rows.getObject(1) : null;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /** Rows of the server database (user tables, journal, records). */
  List<Map<String, Object>> serverRows(String sql) {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + serverDb)) {
      return query(c, sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  private static List<Map<String, Object>> query(Connection c, String sql) throws SQLException {
    List<Map<String, Object>> result = new ArrayList<>();
    try (PreparedStatement statement = c.prepareStatement(sql);
        ResultSet rows = statement.executeQuery()) {
      ResultSetMetaData meta = rows.getMetaData();
      while (rows.next()) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          if (!meta.getColumnName(i).equals("_tenant")) {
            row.put(meta.getColumnName(i), rows.getObject(i));
          }
        }
        result.add(row);
      }
    }
    return result;
  }

  /** The open review items, as the server lists them. */
  JsonArray reviewItems() throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(server.uri().resolve("/v1/review"))
                .header("Authorization", "Bearer " + adminToken())
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new AssertionError(response.statusCode() + " " + response.body());
    }
    return JsonParser.parseString(response.body()).getAsJsonObject().getAsJsonArray("items");
  }

  HttpResponse<String> resolve(long id, String json) throws Exception {
    return http.send(
        HttpRequest.newBuilder(server.uri().resolve("/v1/review/" + id + "/resolve"))
            .header("Authorization", "Bearer " + adminToken())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static JsonObject only(JsonArray items) {
    if (items.size() != 1) {
      throw new AssertionError("expected one review item, found " + items);
    }
    return items.get(0).getAsJsonObject();
  }

  URI uri() {
    return server.uri();
  }

  @Override
  public void close() {
    for (FieldSyncClient device : devices) {
      device.close();
    }
    server.close();
    store.close();
  }
}
