package io.fieldsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.server.ServerConfig;
import io.fieldsync.server.SyncServer;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.sqlite.SqliteStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fieldsync review list|resolve} against a real server; the resolution reaches devices. */
class ReviewResolveSyncTest {
  static final Schema SCHEMA =
      SchemaLoader.parse(
          """
          version: 1
          tables:
            households:
              columns:
                id:    { type: uuid, primary_key: true }
                notes: { type: text, conflict: manual }
          """);
  static final String HOUSE = "01890000-0000-7000-8000-000000000001";
  static final byte[] SECRET =
      "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  @TempDir Path dir;

  @Test
  void resolvingWithTheCliSyncsToEveryDeviceAndStatusShowsParkedEdits() throws Exception {
    SqliteStore store = new SqliteStore(dir.resolve("server.db"), StoreOptions.DEFAULTS);
    SyncServer server =
        SyncServer.start(ServerConfig.builder(store, SCHEMA, SECRET).port(0).build());
    try (store;
        FieldSyncClient a = device(server, "device-a");
        FieldSyncClient b = device(server, "device-b")) {
      exec(a, "INSERT INTO households (id, notes) VALUES ('" + HOUSE + "', 'start')");
      a.syncNow();
      b.syncNow();
      exec(a, "UPDATE households SET notes = 'from a'");
      exec(b, "UPDATE households SET notes = 'from b'");
      a.syncNow();
      b.syncNow();

      String status = run("client", "status", "--db", dir.resolve("device-b.db").toString());
      assertThat(status)
          .contains("parked      1")
          .contains("households " + HOUSE + " notes = \"from b\"");

      String admin =
          server.tokens().mint("acme", "console", "boss", "admin", List.of(), Duration.ofHours(1));
      String server1 = server.uri().toString();
      String listed = run("review", "list", "--server", server1, "--token", admin);
      assertThat(listed)
          .contains("households." + HOUSE + "[notes]")
          .contains("server: \"from a\" (device device-a")
          .contains("device: \"from b\" (device device-b")
          .contains("based on sequence 1");
      String json = run("review", "list", "--json", "--server", server1, "--token", admin);
      long id =
          JsonParser.parseString(json)
              .getAsJsonObject()
              .getAsJsonArray("items")
              .get(0)
              .getAsJsonObject()
              .get("id")
              .getAsLong();
      run(
          "review",
          "resolve",
          String.valueOf(id),
          "--take-device",
          "--server",
          server1,
          "--token",
          admin);
      a.syncNow();
      b.syncNow();
      assertThat(notes(a)).isEqualTo("from b");
      assertThat(notes(b)).isEqualTo("from b");
      assertThat(b.parked().list()).isEmpty();
      assertThat(run("client", "status", "--db", dir.resolve("device-b.db").toString()))
          .contains("parked      0");
    } finally {
      server.close();
    }
  }

  private FieldSyncClient device(SyncServer server, String name) {
    String token =
        server.tokens().mint("acme", name, "user", "surveyor", List.of(), Duration.ofHours(1));
    return FieldSyncClient.init(dir.resolve(name + ".db"), server.uri(), token);
  }

  private static void exec(FieldSyncClient device, String sql) throws Exception {
    try (Connection c = device.connection();
        Statement statement = c.createStatement()) {
      statement.executeUpdate(sql);
    }
  }

  private static String notes(FieldSyncClient device) throws Exception {
    try (Connection c = device.connection();
        PreparedStatement select = c.prepareStatement("SELECT notes FROM households");
        ResultSet rows = select.executeQuery()) {
      rows.next();
      return rows.getString(1);
    }
  }

  /** Runs the command, returning what it printed; fails on a non-zero exit. */
  private static String run(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int exit;
    try {
      exit = FieldSyncCommand.execute(args);
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
    String printed = captured.toString(StandardCharsets.UTF_8);
    assertThat(exit).as("exit of %s: %s", List.of(args), printed).isZero();
    return printed;
  }
}
