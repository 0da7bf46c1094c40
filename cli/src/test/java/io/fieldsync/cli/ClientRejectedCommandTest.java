package io.fieldsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fieldsync.testkit.TestServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code client rejected list|discard|retry}, on refused changes and (--parked) parked edits. */
class ClientRejectedCommandTest {
  static final String ID = "0190f3a4-0000-7000-8000-000000000001";

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

  @Test
  void aRefusedChangeIsListedRetriedAndDiscarded() throws Exception {
    Path phone = device("phone");
    sql(phone, "INSERT INTO households (id, region, members) VALUES ('" + ID + "', 'north', 'x')");
    run(0, "client", "sync", "--db", phone.toString());

    JsonArray listed = list(phone);
    assertThat(listed).hasSize(1);
    JsonObject entry = listed.get(0).getAsJsonObject();
    assertThat(entry.get("op").getAsString()).isEqualTo("INSERT");
    assertThat(entry.get("record_id").getAsString()).isEqualTo(ID);
    JsonObject explanation = entry.getAsJsonArray("explanations").get(0).getAsJsonObject();
    assertThat(explanation.get("outcome").getAsString()).isEqualTo("rejected");
    assertThat(explanation.get("column").getAsString()).isEqualTo("members");
    assertThat(explanation.get("device_value").getAsString()).isEqualTo("\"x\"");
    assertThat(explanation.get("message").getAsString())
        .startsWith("Your change to members was refused by the server and not saved: ");
    long id = entry.get("id").getAsLong();
    assertThat(run(0, "client", "rejected", "list", "--db", phone.toString()))
        .contains("#" + id + " rejected INSERT households " + ID)
        .contains("Your change to members was refused");

    assertThat(run(0, "client", "rejected", "retry", "--db", phone.toString(), "" + id))
        .isEqualTo("queued rejected change #" + id + " again; the next sync pushes it\n");
    assertThat(list(phone)).isEmpty();
    run(0, "client", "sync", "--db", phone.toString());
    JsonArray again = list(phone);
    assertThat(again).as("pushed again and refused again").hasSize(1);
    long second = again.get(0).getAsJsonObject().get("id").getAsLong();
    assertThat(second).isNotEqualTo(id);

    assertThat(run(0, "client", "rejected", "discard", "--db", phone.toString(), "" + second))
        .isEqualTo("discarded rejected change #" + second + "\n");
    assertThat(run(0, "client", "rejected", "list", "--db", phone.toString()))
        .isEqualTo("no rejected changes\n");
    CommandRun missing =
        CommandRun.of("client", "rejected", "discard", "--db", phone.toString(), "" + second);
    assertThat(missing.exitCode()).isNotZero();
    assertThat(missing.err())
        .contains("no rejected change with id " + second)
        .doesNotContain("Exception");
  }

  @Test
  void aParkedEditIsListedAndRetriedWithParked() throws Exception {
    Path phone = device("phone");
    Path tablet = device("tablet");
    sql(
        phone,
        "INSERT INTO households (id, region, notes) VALUES ('" + ID + "', 'north', 'start')");
    run(0, "client", "sync", "--db", phone.toString());
    run(0, "client", "sync", "--db", tablet.toString());
    sql(tablet, "UPDATE households SET notes = 'from tablet'");
    sql(phone, "UPDATE households SET notes = 'from phone'");
    run(0, "client", "sync", "--db", phone.toString());
    run(0, "client", "sync", "--db", tablet.toString());

    JsonArray parked =
        JsonParser.parseString(
                run(
                    0,
                    "client",
                    "rejected",
                    "list",
                    "--parked",
                    "--json",
                    "--db",
                    tablet.toString()))
            .getAsJsonArray();
    assertThat(parked).hasSize(1);
    JsonObject explanation =
        parked.get(0).getAsJsonObject().getAsJsonArray("explanations").get(0).getAsJsonObject();
    assertThat(explanation.get("winning_value").getAsString()).isEqualTo("\"from phone\"");
    assertThat(explanation.get("device_value").getAsString()).isEqualTo("\"from tablet\"");
    assertThat(explanation.get("message").getAsString())
        .isEqualTo(
            "Your change to notes was kept for review because someone else also changed it; a"
                + " coordinator will choose.");
    long id = parked.get(0).getAsJsonObject().get("id").getAsLong();

    run(0, "client", "rejected", "retry", "--parked", "--db", tablet.toString(), "" + id);
    run(0, "client", "sync", "--db", tablet.toString());
    run(0, "client", "sync", "--db", phone.toString());
    assertThat(notes(phone)).isEqualTo("from tablet");
    assertThat(notes(tablet)).isEqualTo("from tablet");
  }

  private Path device(String name) {
    Path db = dir.resolve(name + "-device.db");
    run(
        0,
        "client",
        "init",
        "--db",
        db.toString(),
        "--server",
        server.uri().toString(),
        "--token",
        server.token(name));
    return db;
  }

  private static JsonArray list(Path db) {
    return JsonParser.parseString(
            run(0, "client", "rejected", "list", "--json", "--db", db.toString()))
        .getAsJsonArray();
  }

  private static String run(int exitCode, String... args) {
    CommandRun run = CommandRun.of(args);
    assertThat(run.exitCode()).as("%s", run).isEqualTo(exitCode);
    return run.out();
  }

  private static void sql(Path db, String sql) throws Exception {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement statement = connection.createStatement()) {
      statement.executeUpdate(sql);
    }
  }

  private static String notes(Path db) throws Exception {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT notes FROM households")) {
      rows.next();
      return rows.getString(1);
    }
  }
}
