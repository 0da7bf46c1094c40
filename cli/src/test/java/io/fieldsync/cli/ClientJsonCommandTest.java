package io.fieldsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fieldsync.testkit.TestServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code client sync --json} and {@code client status --json}: one JSON object, its fields. */
class ClientJsonCommandTest {
  @TempDir Path dir;
  TestServer server;

  @BeforeEach
  void start() {
    server = TestServer.start(dir);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private Path device(String name) {
    Path db = dir.resolve(name + "-device.db");
    CommandRun init =
        CommandRun.of(
            "client",
            "init",
            "--db",
            db.toString(),
            "--server",
            server.uri().toString(),
            "--token",
            server.token(name));
    assertThat(init.exitCode()).as("%s", init).isZero();
    return db;
  }

  private static void insertHouseholds(Path db, int first, int count) throws Exception {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement statement = connection.createStatement()) {
      for (int n = first; n < first + count; n++) {
        statement.executeUpdate(
            String.format(
                "INSERT INTO households (id, region, head_name) VALUES"
                    + " ('0190f3a4-0000-7000-8000-%012d', 'north', 'Head %d')",
                n, n));
      }
    }
  }

  /** The output as the one JSON object it must be, on one line. */
  private static JsonObject onlyObject(CommandRun run) {
    assertThat(run.exitCode()).as("%s", run).isZero();
    assertThat(run.err()).isEmpty();
    assertThat(run.out().lines()).hasSize(1);
    JsonElement parsed = JsonParser.parseString(run.out());
    assertThat(parsed.isJsonObject()).as(run.out()).isTrue();
    return parsed.getAsJsonObject();
  }

  @Test
  void syncPrintsOneObjectWithWhatTheCycleDid() throws Exception {
    Path phone = device("phone");
    Path tablet = device("tablet");
    insertHouseholds(phone, 1, 3);

    JsonObject pushed =
        onlyObject(CommandRun.of("client", "sync", "--db", phone.toString(), "--json"));
    JsonObject pulled =
        onlyObject(CommandRun.of("client", "sync", "--db", tablet.toString(), "--json"));

    assertThat(pushed.keySet())
        .containsExactly(
            "pushed",
            "applied",
            "merged",
            "rejected",
            "parked",
            "pulled",
            "conflicts",
            "cursor",
            "duration_ms");
    assertThat(pushed.get("pushed").getAsInt()).isEqualTo(3);
    assertThat(pushed.get("applied").getAsInt()).isEqualTo(3);
    assertThat(pushed.get("rejected").getAsInt()).isZero();
    assertThat(pushed.get("pulled").getAsInt()).isZero();
    assertThat(pushed.get("cursor").getAsLong()).isEqualTo(3);
    assertThat(pushed.get("duration_ms").getAsLong()).isNotNegative();
    assertThat(pulled.get("pushed").getAsInt()).isZero();
    assertThat(pulled.get("pulled").getAsInt()).isEqualTo(3);
    assertThat(pulled.get("cursor").getAsLong()).isEqualTo(3);
  }

  @Test
  void statusPrintsOneObjectWithTheDeviceItsOutboxAndItsWorker() throws Exception {
    Path phone = device("phone");
    insertHouseholds(phone, 1, 2);
    CommandRun.of("client", "sync", "--db", phone.toString());
    Instant afterSync = Instant.now();
    insertHouseholds(phone, 3, 1);

    JsonObject status =
        onlyObject(CommandRun.of("client", "status", "--db", phone.toString(), "--json"));

    assertThat(status.keySet())
        .containsExactly(
            "device",
            "tenant",
            "schema_version",
            "cursor",
            "pending",
            "rejected",
            "last_sync_at",
            "last_error",
            "worker",
            "rejected_changes",
            "parked_edits");
    assertThat(status.get("device").getAsString()).isEqualTo("phone");
    assertThat(status.get("tenant").getAsString()).isEqualTo(TestServer.TENANT);
    assertThat(status.get("schema_version").getAsInt()).isEqualTo(server.schema().version());
    assertThat(status.get("cursor").getAsLong()).isEqualTo(2);
    assertThat(status.get("pending").getAsLong()).isEqualTo(1);
    assertThat(status.get("rejected").getAsLong()).isZero();
    assertThat(Instant.parse(status.get("last_sync_at").getAsString())).isBefore(afterSync);
    assertThat(status.get("last_error").isJsonNull()).isTrue();
    JsonObject worker = status.getAsJsonObject("worker");
    assertThat(worker.keySet())
        .containsExactly(
            "state",
            "online",
            "live",
            "server_sequence",
            "lag",
            "last_success_at",
            "last_error",
            "next_retry_at",
            "stuck",
            "stop_reason");
    assertThat(worker.get("state").getAsString()).isEqualTo("stopped");
    assertThat(status.getAsJsonArray("rejected_changes")).isEmpty();
    assertThat(status.getAsJsonArray("parked_edits")).isEmpty();
  }
}
