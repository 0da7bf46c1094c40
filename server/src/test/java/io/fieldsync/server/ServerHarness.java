package io.fieldsync.server;

import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.server.pull.PullAhead;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.sqlite.SqliteStore;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.Values;
import io.fieldsync.wire.WireCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** A real server on loopback over a real SQLite file, with a manual wall clock. */
public final class ServerHarness implements AutoCloseable {
  public static final String TENANT = "acme";
  public static final long START_MILLIS = 1_800_000_000_000L;

  public static final Schema SCHEMA =
      SchemaLoader.parse(
          """
          version: 3
          tables:
            households:
              conflict: lww
              on_delete: delete_wins
              columns:
                id:          { type: uuid, primary_key: true }
                region:      { type: text, required: true }
                head_name:   { type: text }
                visits:      { type: integer, conflict: sum }
                tags:        { type: json, conflict: union }
                notes:       { type: text, conflict: manual }
                status:      { type: text, conflict: server_wins }
                seen_at:     { type: timestamp }
                temperature: { type: real, conflict: max }
            visits:
              on_delete: update_wins
              columns:
                id:           { type: uuid, primary_key: true }
                household_id: { type: uuid, references: households }
                note:         { type: text }
          """);

  public static final byte[] SECRET =
      "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  public final AtomicLong wall = new AtomicLong(START_MILLIS);
  public final Path dbFile;
  public final SqliteStore store;
  public final SyncServer server;
  public final TokenService tokens;
  public final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public ServerHarness(Path dir) {
    this(dir, config -> {});
  }

  /** A harness whose server configuration {@code configure} adjusts before the start. */
  public ServerHarness(Path dir, Consumer<ServerConfig.Builder> configure) {
    this(dir, configure, StoreOptions.DEFAULTS);
  }

  public ServerHarness(Path dir, Consumer<ServerConfig.Builder> configure, StoreOptions options) {
    dbFile = dir.resolve("server.db");
    store = new SqliteStore(dbFile, options);
    ServerConfig.Builder config =
        ServerConfig.builder(store, SCHEMA, SECRET)
            .port(0)
            .storeLocation("sqlite:" + dbFile)
            .wallClock(wall::get);
    configure.accept(config);
    server = SyncServer.start(config.build());
    tokens = new TokenService(SECRET, wall::get);
  }

  public String token(String device) {
    return tokens.mint(
        TENANT, device, "user-" + device, "surveyor", List.of("region:north"), Duration.ofDays(1));
  }

  public String adminToken() {
    return tokens.mint(TENANT, "console", "boss", "admin", List.of(), Duration.ofDays(1));
  }

  public URI uri(String path) {
    return server.uri().resolve(path);
  }

  public HttpResponse<String> send(HttpRequest request) throws Exception {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<byte[]> sendBytes(HttpRequest request) throws Exception {
    return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
  }

  public HttpResponse<String> get(String path, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return send(request.build());
  }

  public HttpResponse<String> postJson(String path, String token, String json) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return send(request.build());
  }

  public HttpResponse<String> postBytes(String path, String token, String contentType, byte[] body)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (contentType.startsWith(WireCodec.PROTOBUF)) {
      request.header("Content-Encoding", "zstd");
    }
    return send(request.build());
  }

  public static String json(Message message) throws Exception {
    return JsonFormat.printer().print(message);
  }

  public PushResponse push(String device, PushRequest request) throws Exception {
    HttpResponse<String> response = postJson("/v1/push", token(device), json(request));
    if (response.statusCode() != 200) {
      throw new AssertionError("push failed: " + response.statusCode() + " " + response.body());
    }
    PushResponse.Builder result = PushResponse.newBuilder();
    JsonFormat.parser().merge(response.body(), result);
    return result.build();
  }

  /** A pull of a device whose last run of pages ended at {@code cursor}. */
  public PullResponse pull(String device, long cursor, int limit) throws Exception {
    return pull(device, cursor, cursor, limit);
  }

  /** A pull from {@code cursor} of a run of pages that began at {@code since}. */
  public PullResponse pull(String device, long cursor, long since, int limit) throws Exception {
    HttpResponse<String> response =
        postJson(
            "/v1/pull",
            token(device),
            json(
                PullRequest.newBuilder()
                    .setCursor(cursor)
                    .setSince(since)
                    .setLimit(limit)
                    .build()));
    if (response.statusCode() != 200) {
      throw new AssertionError("pull failed: " + response.statusCode() + " " + response.body());
    }
    PullResponse.Builder result = PullResponse.newBuilder();
    JsonFormat.parser().merge(response.body(), result);
    return result.build();
  }

  /** Row counts and the sequence: what a refused request must leave unchanged. */
  public String snapshot() throws Exception {
    StringBuilder result = new StringBuilder();
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + dbFile);
        Statement statement = connection.createStatement()) {
      for (String table :
          List.of(
              "households", "visits", "_fs_records", "_fs_journal", "_fs_batches", "_fs_review")) {
        try (ResultSet rows = statement.executeQuery("SELECT count(*) FROM " + table)) {
          rows.next();
          result.append(table).append('=').append(rows.getLong(1)).append(' ');
        }
      }
      try (ResultSet rows =
          statement.executeQuery("SELECT coalesce(sum(value), 0) FROM _fs_sequence")) {
        rows.next();
        result.append("sequence=").append(rows.getLong(1));
      }
    }
    return result.toString();
  }

  public static String uuid(int n) {
    return String.format("00000000-0000-7000-8000-%012d", n);
  }

  public static long hlc(long millis) {
    return millis << 16;
  }

  public static FieldChange field(String column, Object value, long hlc) {
    return FieldChange.newBuilder()
        .setColumn(column)
        .setValue(Values.toWire(value))
        .setHlc(hlc)
        .build();
  }

  public static Change insertHousehold(int n, String region, long hlc) {
    return Change.newBuilder()
        .setTable("households")
        .setRecordId(uuid(n))
        .setOp(Op.OP_INSERT)
        .setHlc(hlc)
        .addFields(field("region", region, hlc))
        .addFields(field("head_name", "Ada", hlc))
        .addFields(field("visits", 0L, hlc))
        .build();
  }

  public static Change insertVisit(int n, int household, String note, long hlc) {
    return Change.newBuilder()
        .setTable("visits")
        .setRecordId(uuid(n))
        .setOp(Op.OP_INSERT)
        .setHlc(hlc)
        .addFields(field("household_id", uuid(household), hlc))
        .addFields(field("note", note, hlc))
        .build();
  }

  public static Change delete(String table, String id, long baseSeq, long hlc) {
    return Change.newBuilder()
        .setTable(table)
        .setRecordId(id)
        .setOp(Op.OP_DELETE)
        .setBaseSeq(baseSeq)
        .setHlc(hlc)
        .build();
  }

  public static Change update(
      String table, String id, long baseSeq, long hlc, FieldChange... fields) {
    return Change.newBuilder()
        .setTable(table)
        .setRecordId(id)
        .setOp(Op.OP_UPDATE)
        .setHlc(hlc)
        .setBaseSeq(baseSeq)
        .addAllFields(List.of(fields))
        .build();
  }

  public static PushRequest batch(String batchId, Change... changes) {
    return PushRequest.newBuilder().setBatchId(batchId).addAllChanges(List.of(changes)).build();
  }

  /** The pull pages the server prepared ahead, or null when that is off. */
  public PullAhead<?, ?> pullAhead() {
    return server.pullAhead();
  }

  @Override
  public void close() {
    server.close();
    store.close();
  }
}
