package io.fieldsync.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fieldsync.testkit.Eventually;
import io.fieldsync.testkit.RawHttp;
import io.fieldsync.testkit.ServerDatabase;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import io.fieldsync.wire.PullRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin console's JSON against what the test did: devices with their cursor, lag and pending
 * changes, a record's history with outcomes and reasons, traffic counts, each node's observations
 * visible through every node, and nothing of another tenant.
 */
class AdminApiTest {
  static final String SCHEMA =
      """
      version: 1
      tables:
        households:
          columns:
            id:     { type: uuid, primary_key: true }
            head:   { type: text }
            notes:  { type: text, conflict: manual }
            visits: { type: integer, conflict: sum }
      """;

  static final String RECORD = "01890000-0000-7000-8000-0000000000b1";

  @TempDir Path dir;
  TestServer server;

  ServerDatabase database() {
    return ServerDatabase.sqlite(dir.resolve("store.db"));
  }

  int nodes() {
    return 1;
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void theConsoleReportsWhatTheDevicesDid() throws Exception {
    server = TestServer.builder(dir).schema(SCHEMA).database(database()).nodes(nodes()).start();
    int last = nodes() - 1;
    TestDevice a = server.device("device-a", 0, builder -> builder.seed(1));
    TestDevice b = server.device("device-b", last, builder -> builder.seed(2));
    // The test's model of the traffic: one pull page per sync, one push per sync with changes.
    int pushes = 0;
    int pulls = 0;

    a.execute(
        "INSERT INTO households (id, head, notes, visits) VALUES (?, 'Ann', 'start', 1)", RECORD);
    a.sync();
    pushes++;
    pulls++;
    b.sync();
    pulls++;
    a.execute("UPDATE households SET notes = 'from a', visits = visits + 2 WHERE id = ?", RECORD);
    b.execute("UPDATE households SET notes = 'from b', head = 'Anne' WHERE id = ?", RECORD);
    a.sync();
    pushes++;
    pulls++;
    b.sync();
    pushes++;
    pulls++;
    long sequence = server.sequence(TestServer.TENANT);

    // device-b's pull brought it to the tenant's sequence; device-a's last pull is one behind.
    Map<String, JsonObject> devices = new HashMap<>();
    Eventually.until(
        "both devices listed by node 0, device-b as seen through node " + last,
        () -> {
          devices.clear();
          for (JsonElement device : get(0, "/v1/admin/devices").getAsJsonArray("devices")) {
            devices.put(
                device.getAsJsonObject().get("device").getAsString(), device.getAsJsonObject());
          }
          return devices.containsKey("device-b")
              && !devices.get("device-b").get("cursor").isJsonNull()
              && devices.get("device-b").get("cursor").getAsLong() == sequence;
        });
    assertThat(devices.keySet()).containsExactly("device-a", "device-b");
    JsonObject deviceA = devices.get("device-a");
    JsonObject deviceB = devices.get("device-b");
    assertThat(deviceA.get("user").getAsString()).isEqualTo("user-device-a");
    assertThat(deviceA.get("cursor").getAsLong()).isEqualTo(sequence - 1);
    assertThat(deviceA.get("lag").getAsLong()).isEqualTo(1);
    assertThat(deviceB.get("lag").getAsLong()).isZero();
    assertThat(deviceA.get("pending").getAsLong()).isZero();
    assertThat(deviceB.get("pending").getAsLong()).isZero();
    assertThat(deviceB.get("last_result").getAsString()).startsWith("pull: ");
    assertThat(deviceA.get("revoked").getAsBoolean()).isFalse();
    assertThat(deviceA.get("last_seen").getAsString()).isNotEmpty();

    // A device that reports unpushed changes with its pull has them shown.
    RawHttp raw = server.raw(last);
    raw.pull(
        server.token("device-c"),
        PullRequest.newBuilder().setCursor(0).setPendingChanges(7).build());
    Eventually.until(
        "device-c's pending changes listed by node 0",
        () -> {
          for (JsonElement device : get(0, "/v1/admin/devices").getAsJsonArray("devices")) {
            JsonObject json = device.getAsJsonObject();
            if (json.get("device").getAsString().equals("device-c")) {
              return json.get("pending").getAsLong() == 7
                  && json.get("cursor").getAsLong() == sequence;
            }
          }
          return false;
        });
    pulls++;
    HttpResponse<String> negative =
        raw.postJson(
            "/v1/pull", server.token("device-c"), "{\"cursor\":\"0\",\"pendingChanges\":\"-1\"}");
    assertThat(negative.statusCode()).as(negative.body()).isEqualTo(400);
    assertThat(negative.body()).contains("pending_changes must not be negative");

    // The history holds every change the test made to the record, in order, with its outcome.
    JsonObject history = get(last, "/v1/admin/records/households/" + RECORD + "/history");
    List<String> seen = new ArrayList<>();
    for (JsonElement change : history.getAsJsonArray("changes")) {
      JsonObject json = change.getAsJsonObject();
      seen.add(
          json.get("device").getAsString()
              + " "
              + json.get("op").getAsString()
              + " "
              + json.get("outcome").getAsString());
    }
    assertThat(seen)
        .containsExactly(
            "device-a insert applied", "device-a update applied", "device-b update parked");
    JsonObject parked = history.getAsJsonArray("changes").get(2).getAsJsonObject();
    assertThat(parked.get("reason").getAsString()).contains("concurrent edits of [notes]");
    assertThat(parked.getAsJsonObject("fields").getAsJsonObject("notes").get("value").getAsString())
        .isEqualTo("from b");
    assertThat(
            history.getAsJsonArray("changes").get(0).getAsJsonObject().get("reason").isJsonNull())
        .isTrue();

    // Traffic of every node, summed: what the test counted.
    int expectedPushes = pushes;
    int expectedPulls = pulls;
    JsonObject[] overview = new JsonObject[1];
    Eventually.until(
        "every node's traffic saved",
        () -> {
          overview[0] = get(0, "/v1/admin/overview");
          JsonObject hour = overview[0].getAsJsonObject("last_hour");
          return hour.get("pushes").getAsInt() == expectedPushes
              && hour.get("pulls").getAsInt() == expectedPulls;
        },
        () -> String.valueOf(overview[0]));
    JsonObject hour = overview[0].getAsJsonObject("last_hour");
    assertThat(hour.getAsJsonObject("conflicts_by_strategy").get("manual").getAsInt()).isEqualTo(1);
    assertThat(hour.get("rejected").getAsInt()).isZero();
    assertThat(overview[0].get("sequence").getAsLong()).isEqualTo(sequence);
    assertThat(overview[0].get("devices").getAsInt()).isEqualTo(3);
    assertThat(overview[0].getAsJsonArray("minutes")).hasSize(60);
    JsonArray recent = overview[0].getAsJsonArray("recent_decisions");
    assertThat(recent).hasSize(1);
    assertThat(recent.get(0).getAsJsonObject().get("outcome").getAsString()).isEqualTo("parked");

    // Another tenant's admin sees none of it.
    JsonObject other = get(0, "/v1/admin/devices", server.adminToken("other-tenant"));
    assertThat(other.getAsJsonArray("devices")).isEmpty();
    assertThat(
            get(
                    0,
                    "/v1/admin/records/households/" + RECORD + "/history",
                    server.adminToken("other-tenant"))
                .getAsJsonArray("changes"))
        .isEmpty();
    HttpResponse<String> unknown =
        server
            .raw(0)
            .get(
                "/v1/admin/records/farms/" + RECORD + "/history",
                server.adminToken(TestServer.TENANT));
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("no table 'farms'").contains("households");

    // What a node saw survives its restart: it saves at close.
    server.restart();
    List<String> listed = new ArrayList<>();
    for (JsonElement device : get(0, "/v1/admin/devices").getAsJsonArray("devices")) {
      listed.add(device.getAsJsonObject().get("device").getAsString());
    }
    assertThat(listed).containsExactly("device-a", "device-b", "device-c");
  }

  private JsonObject get(int node, String path) {
    return get(node, path, server.adminToken(TestServer.TENANT));
  }

  private JsonObject get(int node, String path, String token) {
    HttpResponse<String> answer;
    try {
      answer = server.raw(node).get(path, token);
    } catch (Exception e) {
      throw new AssertionError("GET " + path + " failed", e);
    }
    assertThat(answer.statusCode()).as(path + ": " + answer.body()).isEqualTo(200);
    return JsonParser.parseString(answer.body()).getAsJsonObject();
  }
}
