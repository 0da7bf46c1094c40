package io.fieldsync.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.WorkerEvent;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.server.ServerConfig;
import io.fieldsync.server.SyncServer;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.SyncStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** A real server on loopback over a SQLite store file, and device databases beside it. */
abstract class LiveFixture {
  static final String TENANT = "acme";
  static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
  static final Duration WAIT = Duration.ofSeconds(20);

  static final Schema SCHEMA =
      SchemaLoader.parse(
          """
          version: 1
          tables:
            households:
              columns:
                id:          { type: uuid, primary_key: true }
                region:      { type: text, required: true }
                head_name:   { type: text }
                visit_count: { type: integer, conflict: sum }
                score:       { type: real }
                active:      { type: boolean }
            visits:
              columns:
                id:           { type: uuid, primary_key: true }
                household_id: { type: uuid, references: households }
                note:         { type: text }
          """);

  @TempDir Path dir;
  SyncStore store;
  SyncServer server;
  final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    if (server != null) {
      server.close();
    }
    if (store != null) {
      store.close();
    }
  }

  SyncServer startServer(int port, byte[] secret, long horizonMillis) {
    if (store == null) {
      store = SyncStores.open(dir.resolve("server.db").toString(), StoreOptions.DEFAULTS);
    }
    server =
        SyncServer.start(
            ServerConfig.builder(store, SCHEMA, secret)
                .port(port)
                .tombstoneHorizonMillis(horizonMillis)
                .purgeIntervalMillis(0)
                .build());
    return server;
  }

  SyncServer startServer() {
    return startServer(0, SECRET, ServerConfig.DEFAULT_TOMBSTONE_HORIZON_MILLIS);
  }

  String token(String device) {
    return server.tokens().mint(TENANT, device, null, null, List.of(), Duration.ofHours(1));
  }

  FieldSyncClient device(String name) {
    return device(name, UnaryOperator.identity());
  }

  /** A device with more settings (a worker's, say) applied to its builder. */
  FieldSyncClient device(String name, UnaryOperator<FieldSyncClient.Builder> settings) {
    FieldSyncClient client =
        settings
            .apply(
                FieldSyncClient.builder(dir.resolve(name + ".db"))
                    .server(server.uri())
                    .token(token(name)))
            .initialize();
    closing.add(client);
    return client;
  }

  static String uuid(int n) {
    return String.format("00000000-0000-7000-8000-%012d", n);
  }

  static void sql(FieldSyncClient client, String... statements) throws SQLException {
    try (Connection c = client.connection();
        Statement statement = c.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }

  static Object scalar(FieldSyncClient client, String sql) throws SQLException {
    try (Connection c = client.connection();
        Statement statement = c.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      return rows.next() ? rows.getObject(1) : null;
    }
  }

  static long count(FieldSyncClient client, String table) throws SQLException {
    return ((Number) scalar(client, "SELECT count(*) FROM " + table)).longValue();
  }

  static void insertHousehold(FieldSyncClient client, int n, String name) throws SQLException {
    sql(
        client,
        "INSERT INTO households (id, region, head_name, visit_count, score, active) VALUES ('"
            + uuid(n)
            + "', 'north', '"
            + name
            + "', 1, 2.5, 1)");
  }

  /** Polls until the condition holds, failing with {@code what} after {@link #WAIT}. */
  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    await(what, condition, () -> "");
  }

  static void await(String what, BooleanSupplier condition, Supplier<String> context)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "timed out after " + WAIT + " waiting for " + what + " " + context.get());
      }
      Thread.sleep(20);
    }
  }

  /** Collects worker events. */
  static final class Events {
    final List<WorkerEvent> all = new CopyOnWriteArrayList<>();

    <T extends WorkerEvent> List<T> of(Class<T> type) {
      List<T> result = new ArrayList<>();
      for (WorkerEvent event : all) {
        if (type.isInstance(event)) {
          result.add(type.cast(event));
        }
      }
      return result;
    }

    boolean has(Class<? extends WorkerEvent> type) {
      return !of(type).isEmpty();
    }
  }

  static void assertNoRows(FieldSyncClient client, String table) throws SQLException {
    assertThat(count(client, table)).as("rows in " + table).isZero();
  }
}
