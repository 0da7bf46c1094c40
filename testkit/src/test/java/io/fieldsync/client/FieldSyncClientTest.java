package io.fieldsync.client;

import static io.fieldsync.client.Households.H1;
import static io.fieldsync.client.Households.V1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.ConfigException;
import io.fieldsync.SyncException;
import io.fieldsync.TransportException;
import io.fieldsync.testkit.FaultyTransport;
import io.fieldsync.testkit.FaultyTransport.Fault;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.Values;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Initializing and opening a device database, its status, listeners and schema changes. */
class FieldSyncClientTest {
  private static final String CROP = "0190c6a2-0000-7000-8000-0000000000c1";

  @TempDir Path dir;
  TestServer server;
  FaultyTransport network;
  FieldSyncClient client;

  @BeforeEach
  void startServer() {
    startServer(Households.SCHEMA_YAML);
  }

  /** Starts the server (again, on the same database and token secret) with this schema. */
  private void startServer(String schema) {
    startServer(dir, schema);
  }

  private void startServer(Path directory, String schema) {
    server = TestServer.builder(directory).schema(schema).start();
    network = Households.network(server);
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    server.close();
  }

  private Path db() {
    return dir.resolve("device.db");
  }

  private FieldSyncClient.Builder builder() {
    return Households.over(network).apply(FieldSyncClient.builder(db()));
  }

  private FieldSyncClient init() {
    client = builder().initialize();
    return client;
  }

  private TestDevice device() {
    return TestDevice.open(db(), Households.DEVICE, builder -> builder.transport(network));
  }

  @Test
  void initTakesDeviceAndTenantFromTheServerAndOpenFindsThemAgain() {
    init();
    client.close();

    client = FieldSyncClient.builder(db()).transport(network).open();

    SyncStatus status = client.status();
    assertThat(status.device()).isEqualTo(Households.DEVICE);
    assertThat(status.tenant()).isEqualTo(TestServer.TENANT);
    assertThat(status.schemaVersion()).isEqualTo(1);
    assertThat(status.cursor()).isZero();
    assertThat(status.lastSyncAt()).isNull();
    try (TestDevice device = device()) {
      assertThat(device.scalar("SELECT hlc FROM _fs_state"))
          .isEqualTo(network.schemas().get(0).getServerHlc());
    }
  }

  @Test
  void initStoresServerUrlAndTokenForOpen() {
    client =
        FieldSyncClient.builder(db())
            .server(URI.create("http://sync.example.org:8080"))
            .token("secret")
            .transport(network)
            .initialize();

    try (TestDevice device = device()) {
      assertThat(device.scalar("SELECT value FROM _fs_meta WHERE key = 'server_url'"))
          .isEqualTo("http://sync.example.org:8080");
      assertThat(device.scalar("SELECT value FROM _fs_meta WHERE key = 'token'"))
          .isEqualTo("secret");
    }
  }

  @Test
  void initTwiceIsRefused() {
    init().close();
    client = null;

    assertThatThrownBy(() -> builder().initialize())
        .isInstanceOf(ConfigException.class)
        .hasMessage(db() + " is already a fieldsync device database; open it instead");
  }

  @Test
  void openingAMissingDatabaseIsRefused() {
    assertThatThrownBy(() -> FieldSyncClient.open(db()))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "no device database at "
                + db()
                + "; create one with `fieldsync client init` (FieldSyncClient.init)");
  }

  @Test
  void statusAndListenersReportCyclesAndFailures() {
    init();
    List<String> events = new ArrayList<>();
    client.addListener(
        new SyncListener() {
          @Override
          public void syncStarted() {
            events.add("started");
          }

          @Override
          public void syncFinished(SyncResult result) {
            events.add("finished " + result.pushed());
          }

          @Override
          public void syncFailed(SyncException error) {
            events.add("failed " + error.getMessage());
          }
        });
    try (TestDevice device = device()) {
      device.sql("INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')");
    }
    assertThat(client.status().pending()).isEqualTo(1);
    network.script(Fault.DROP_RESPONSE);
    String lost = "injected fault: the response to push call 1 was lost after the server answered";

    assertThatThrownBy(client::syncNow).isInstanceOf(TransportException.class);
    assertThat(client.status().lastError()).isEqualTo(lost);
    client.syncNow();

    assertThat(events).containsExactly("started", "failed " + lost, "started", "finished 1");
    SyncStatus status = client.status();
    assertThat(status.lastError()).isNull();
    assertThat(status.lastResult().pushed()).isEqualTo(1);
    assertThat(status.lastSyncAt()).isEqualTo(Households.CLOCK.instant());
    assertThat(status.pending()).isZero();
  }

  @Test
  void aNewerSchemaWithANewTableAndColumnMigratesOnTheFirstSync() {
    init();
    try (TestDevice device = device()) {
      device.sql("INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')");
    }
    client.close();
    client = null;
    server.close();
    startServer(
        Households.SCHEMA_YAML.replace("version: 1", "version: 2")
            + "      phone: { type: text }\n"
            + "  crops:\n"
            + "    columns:\n"
            + "      id:   { type: uuid, primary_key: true }\n"
            + "      name: { type: text }\n");
    client = builder().open();

    client.syncNow();

    assertThat(client.schema().version()).isEqualTo(2);
    assertThat(client.status().schemaVersion()).isEqualTo(2);
    try (TestDevice device = device()) {
      device.sql(
          "UPDATE visits SET phone = '123'",
          "INSERT INTO visits (id, phone) VALUES ('" + V1 + "', '555')",
          "INSERT INTO crops (id, name) VALUES ('" + CROP + "', 'maize')");
    }
    client.syncNow();
    List<Change> pushed = network.pushes().get(network.pushes().size() - 1).getChangesList();
    assertThat(field(pushed, "visits", V1, "phone")).isNotNull();
    assertThat(Values.fromWire(field(pushed, "crops", CROP, "name").getValue())).isEqualTo("maize");
    client.close();
    client = builder().open();
    assertThat(client.schema().version()).isEqualTo(2);
  }

  private static FieldChange field(List<Change> changes, String table, String id, String column) {
    return changes.stream()
        .filter(change -> change.getTable().equals(table) && change.getRecordId().equals(id))
        .flatMap(change -> change.getFieldsList().stream())
        .filter(field -> field.getColumn().equals(column))
        .findFirst()
        .orElse(null);
  }

  @Test
  void aSchemaThatDropsAColumnIsRefused() throws Exception {
    init().close();
    client = null;
    server.close();
    // A server store refuses to drop a column, so this server is a new one, with a new database.
    startServer(
        Files.createDirectories(dir.resolve("v2")),
        Households.SCHEMA_YAML
            .replace("version: 1", "version: 2")
            .replace("      notes:     { type: text, conflict: manual }\n", ""));
    client = builder().open();

    assertThatThrownBy(client::syncNow)
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "server schema changed from version 1 to 2 in a way a device cannot migrate: column"
                + " 'notes' of 'households' was removed; initialize a new device database");
  }
}
