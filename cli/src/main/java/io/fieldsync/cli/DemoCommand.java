package io.fieldsync.cli;

import com.google.gson.JsonObject;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.RejectedChange;
import io.fieldsync.client.SyncListener;
import io.fieldsync.client.SyncResult;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.schema.Table;
import io.fieldsync.server.ServerConfig;
import io.fieldsync.server.SyncServer;
import io.fieldsync.server.TokenService;
import io.fieldsync.store.PullPage;
import io.fieldsync.store.ReviewItem;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.SyncStores;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A server and three field devices of a community health survey. The devices load the same
 * households, go offline, edit the same records in conflicting ways, reconnect, and converge.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Starts a server on the embedded SQLite store and three simulated field devices that go"
            + " offline, edit the same records, reconnect and converge.")
final class DemoCommand implements Callable<Integer> {
  private static final String TENANT = "health-district-7";
  private static final String[] DEVICES = {"tablet-amina", "phone-ben", "tablet-chidi"};

  @Spec CommandSpec spec;

  @Option(
      names = "--dir",
      description = "Keep the server and device databases here (default: a temporary folder)")
  Path dir;

  @Option(
      names = "--schema",
      description = "Schema file (default: the built-in field-survey example)")
  Path schemaFile;

  @Option(
      names = "--port",
      description = "Port of the demo's server on 127.0.0.1 (default: 0, any free port)")
  int port;

  @Option(names = "--verbose", description = "Show the server's log lines too")
  boolean verbose;

  private PrintWriter out;
  private java.net.URI serverUri;
  private TokenService tokens;

  @Override
  public Integer call() throws IOException, SQLException {
    out = spec.commandLine().getOut();
    if (!verbose) {
      ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.fieldsync"))
          .setLevel(ch.qos.logback.classic.Level.WARN);
    }
    Path work =
        dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("fieldsync-demo");
    Schema schema = schemaFile != null ? SchemaLoader.load(schemaFile) : builtInSchema();
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);

    title("fieldsync demo — " + work);
    try (SyncStore store =
            SyncStores.open(work.resolve("server.db").toString(), StoreOptions.DEFAULTS);
        SyncServer server =
            SyncServer.start(ServerConfig.builder(store, schema, secret).port(port).build())) {
      say(
          "server    %s on SQLite %s, schema v%d %s",
          server.uri(), work.resolve("server.db"), schema.version(), schema.tables().keySet());
      TokenService tokens = server.tokens();
      List<FieldSyncClient> devices = new ArrayList<>();
      try {
        for (String name : DEVICES) {
          String token = tokens.mint(TENANT, name, name, null, List.of(), Duration.ofDays(1));
          FieldSyncClient device =
              FieldSyncClient.init(work.resolve(name + ".db"), server.uri(), token);
          device.addListener(reporter(name));
          devices.add(device);
          say("device    %-13s %s", name, work.resolve(name + ".db"));
        }
        serverUri = server.uri();
        this.tokens = tokens;
        return run(schema, store, devices);
      } finally {
        for (FieldSyncClient device : devices) {
          device.close();
        }
      }
    }
  }

  private int run(Schema schema, SyncStore store, List<FieldSyncClient> devices)
      throws SQLException {
    FieldSyncClient amina = devices.get(0);
    FieldSyncClient ben = devices.get(1);
    FieldSyncClient chidi = devices.get(2);
    String h1 = uuid(1);
    String h2 = uuid(2);
    String h3 = uuid(3);

    title("1. Amina registers three households and syncs; Ben and Chidi download them");
    sql(
        amina,
        "INSERT INTO households(id, region, head_name, members, visit_count, tags, latitude,"
            + " longitude, notes, registered_at) VALUES"
            + " ('"
            + h1
            + "', 'north', 'Fatou Diallo', 5, 2, '[\"water-risk\"]', 12.6392, -8.0029,"
            + " 'roof leaks', '2026-11-20T09:00:00Z'),"
            + " ('"
            + h2
            + "', 'north', 'Ibrahim Keita', 3, 0, '[]', 12.6410, -8.0101, NULL,"
            + " '2026-11-20T09:30:00Z'),"
            + " ('"
            + h3
            + "', 'north', 'Awa Traore', 7, 1, '[]', 12.6455, -8.0200, NULL,"
            + " '2026-11-20T10:00:00Z')");
    sync(amina);
    sync(ben);
    sync(chidi);

    title("2. All three go offline and edit the same records");
    step(
        "Amina",
        "visits household 1: visit_count +1, tag 'newborn', head_name 'Fatou Diallo-Sow',"
            + " notes 'roof repaired'");
    sql(
        amina,
        "UPDATE households SET visit_count = visit_count + 1, tags = json_insert(tags, '$[#]',"
            + " 'newborn'), head_name = 'Fatou Diallo-Sow', notes = 'roof repaired' WHERE id = '"
            + h1
            + "'");
    step(
        "Ben",
        "visits household 1 too: visit_count +1, tag 'malaria-net', members 6,"
            + " head_name 'Fatou Sow' (later)");
    sql(
        ben,
        "UPDATE households SET visit_count = visit_count + 1, tags = json_insert(tags, '$[#]',"
            + " 'malaria-net'), members = 6, head_name = 'Fatou Sow' WHERE id = '"
            + h1
            + "'");
    step(
        "Chidi",
        "visits household 1: visit_count +1, notes 'roof still leaking' (a manual"
            + " column: needs a person)");
    sql(
        chidi,
        "UPDATE households SET visit_count = visit_count + 1, notes = 'roof still leaking' WHERE"
            + " id = '"
            + h1
            + "'");
    step("Amina", "updates household 3's head, while Chidi deletes household 3 (delete wins)");
    sql(amina, "UPDATE households SET head_name = 'Awa Traore-Ba' WHERE id = '" + h3 + "'");
    sql(chidi, "DELETE FROM households WHERE id = '" + h3 + "'");
    step("Ben", "records a visit with a temperature at household 2");
    String visit = uuid(100);
    sql(
        ben,
        "INSERT INTO visits(id, household_id, visited_at, visitor, participants, summary,"
            + " follow_up) VALUES ('"
            + visit
            + "', '"
            + h2
            + "', '2026-11-21T08:15:00Z', 'Ben',"
            + " '[\"Ibrahim\"]', 'child with fever', 1)");
    sql(
        ben,
        "INSERT INTO measurements(id, visit_id, kind, value, max_value, unit, taken_at) VALUES"
            + " ('"
            + uuid(200)
            + "', '"
            + visit
            + "', 'temperature', 38.6, 38.6, 'C',"
            + " '2026-11-21T08:20:00Z')");
    step(
        "Ben",
        "types 'six' into the integer column members of household 2 (the server will"
            + " refuse it)");
    sql(ben, "UPDATE households SET members = 'six' WHERE id = '" + h2 + "'");
    for (FieldSyncClient device : devices) {
      say(
          "  %-13s %d changes waiting in its outbox",
          device.status().device(), device.status().pending());
    }

    title("3. They reconnect one by one, then once more so everyone hears everything");
    for (int round = 1; round <= 2; round++) {
      for (FieldSyncClient device : devices) {
        sync(device);
      }
    }

    title("4. How household 1 resolved");
    Map<String, Object> row = rows(amina, "households").get(h1);
    say("  visit_count  %s   (sum: 2 + three offline visits)", row.get("visit_count"));
    say("  tags         %s   (union: every device's tag survives)", row.get("tags"));
    say("  members      %s   (max)", row.get("members"));
    say("  head_name    %s   (lww: Ben's edit came last)", row.get("head_name"));
    say(
        "  notes        %s   (manual: the server kept the first value; the other is parked)",
        row.get("notes"));
    say(
        "  household 3  %s",
        rows(amina, "households").containsKey(h3) ? "still there" : "deleted (delete_wins)");

    title("5. A coordinator resolves the parked note");
    List<ReviewItem> open = store.reviewItems(TENANT, false);
    for (ReviewItem item : open) {
      say(
          "  review #%d %s.%s: server '%s' vs %s's '%s'",
          item.id(),
          item.table(),
          item.column(),
          item.serverValue(),
          item.device(),
          item.deviceValue());
    }
    AdminClient reviews =
        new AdminClient(
            serverUri,
            tokens.mint(
                TENANT, "coordinator", "coordinator", "admin", List.of(), Duration.ofHours(1)));
    for (ReviewItem item : open) {
      JsonObject action = new JsonObject();
      action.addProperty("action", "take_device");
      reviews.resolve(item.id(), action);
      say(
          "  resolved #%d: take the device's value (same as: fieldsync review resolve %d"
              + " --take-device)",
          item.id(), item.id());
    }
    for (FieldSyncClient device : devices) {
      sync(device);
    }

    say("  notes now    %s", rows(amina, "households").get(h1).get("notes"));

    title("6. Final check");
    return check(schema, store, devices);
  }

  private int check(Schema schema, SyncStore store, List<FieldSyncClient> devices)
      throws SQLException {
    Map<String, Map<String, Map<String, Object>>> server = serverRows(schema, store);
    int total = server.values().stream().mapToInt(Map::size).sum();
    say("  server        %d rows, sequence %d", total, store.currentSequence(TENANT));
    boolean identical = true;
    for (FieldSyncClient device : devices) {
      Map<String, Map<String, Map<String, Object>>> replica = new LinkedHashMap<>();
      for (Table table : schema.tables().values()) {
        replica.put(table.name(), canonical(table, rows(device, table.name())));
      }
      boolean same = replica.equals(server);
      identical &= same;
      say(
          "  %-13s %d rows, outbox %d, cursor %d — %s",
          device.status().device(),
          replica.values().stream().mapToInt(Map::size).sum(),
          device.status().pending(),
          device.status().cursor(),
          same ? "same as the server" : "DIFFERS from the server");
    }
    if (identical) {
      say(
          "✔ every replica is identical: %d devices and the server hold the same %d rows",
          devices.size(), total);
      return 0;
    }
    say("✘ replicas differ");
    return 1;
  }

  private static Map<String, Map<String, Map<String, Object>>> serverRows(
      Schema schema, SyncStore store) {
    Map<String, Map<String, Map<String, Object>>> result = new LinkedHashMap<>();
    for (Table table : schema.tables().values()) {
      result.put(table.name(), new TreeMap<>());
    }
    long cursor = 0;
    while (true) {
      PullPage page = store.pull(TENANT, cursor, 1000);
      for (StoredRecord record : page.records()) {
        if (!record.deleted()) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (String column : schema.requireTable(record.table()).columns().keySet()) {
            row.put(column, record.values().get(column));
          }
          result.get(record.table()).put(record.id(), row);
        }
        cursor = record.seq();
      }
      if (page.records().size() < 1000) {
        return result;
      }
    }
  }

  private static Map<String, Map<String, Object>> canonical(
      Table table, Map<String, Map<String, Object>> rows) {
    Map<String, Map<String, Object>> result = new TreeMap<>();
    rows.forEach(
        (id, row) -> {
          Map<String, Object> values = new LinkedHashMap<>();
          for (Column column : table.columns().values()) {
            values.put(column.name(), column.type().coerce(row.get(column.name())));
          }
          result.put(id, values);
        });
    return result;
  }

  private SyncListener reporter(String device) {
    return new SyncListener() {
      @Override
      public void rejected(RejectedChange change) {
        say(
            "  %-13s rejected %s %s: %s",
            device, change.table(), change.recordId(), change.reason());
      }
    };
  }

  private void sync(FieldSyncClient device) {
    SyncResult result = device.syncNow();
    say(
        "  %-13s sync: pushed %d (applied %d, merged %d, rejected %d, parked %d), pulled %d,"
            + " cursor %d, %d ms",
        device.status().device(),
        result.pushed(),
        result.applied(),
        result.merged(),
        result.rejected(),
        result.parked(),
        result.pulled(),
        result.cursor(),
        result.duration().toMillis());
  }

  private static void sql(FieldSyncClient device, String statement) throws SQLException {
    try (Connection connection = device.connection();
        Statement sql = connection.createStatement()) {
      sql.executeUpdate(statement);
    }
  }

  private static Map<String, Map<String, Object>> rows(FieldSyncClient device, String table)
      throws SQLException {
    Map<String, Map<String, Object>> rows = new LinkedHashMap<>();
    try (Connection connection = device.connection();
        Statement sql = connection.createStatement();
        ResultSet result = sql.executeQuery("SELECT * FROM \"" + table + "\" ORDER BY id")) {
      ResultSetMetaData meta = result.getMetaData();
      while (result.next()) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          row.put(meta.getColumnName(i), result.getObject(i));
        }
        rows.put(result.getString("id"), row);
      }
    }
    return rows;
  }

  private static Schema builtInSchema() throws IOException {
    try (InputStream in =
        DemoCommand.class.getResourceAsStream("/examples/field-survey/schema.yaml")) {
      if (in == null) {
        throw new IOException("the built-in example schema is missing from the jar");
      }
      return SchemaLoader.parse(
          new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    }
  }

  private static String uuid(int n) {
    return new UUID(0x0190f3a400007000L, 0x8000000000000000L | n).toString();
  }

  private void title(String text) {
    out.println();
    out.println(text);
    out.flush();
  }

  private void step(String who, String what) {
    say("  %-6s %s", who, what);
  }

  private void say(String format, Object... args) {
    out.println(String.format(format, args));
    out.flush();
  }
}
