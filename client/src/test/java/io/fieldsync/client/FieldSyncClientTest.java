package io.fieldsync.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.ConfigException;
import io.fieldsync.SyncException;
import io.fieldsync.TransportException;
import io.fieldsync.schema.SchemaLoader;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FieldSyncClientTest extends ClientFixture {

  @Test
  void initTakesDeviceAndTenantFromTheServerAndOpenFindsThemAgain() throws Exception {
    init();
    client.close();

    client = FieldSyncClient.builder(db()).transport(server).open();

    SyncStatus status = client.status();
    assertThat(status.device()).isEqualTo(FakeServer.DEVICE);
    assertThat(status.tenant()).isEqualTo(FakeServer.TENANT);
    assertThat(status.schemaVersion()).isEqualTo(1);
    assertThat(status.cursor()).isZero();
    assertThat(status.lastSyncAt()).isNull();
    assertThat(scalar("SELECT hlc FROM _fs_state")).isEqualTo(FakeServer.SERVER_HLC);
  }

  @Test
  void initStoresServerUrlAndTokenForOpen() throws Exception {
    client =
        FieldSyncClient.builder(db())
            .server(URI.create("http://sync.example.org:8080"))
            .token("secret")
            .transport(server)
            .initialize();

    assertThat(scalar("SELECT value FROM _fs_meta WHERE key = 'server_url'"))
        .isEqualTo("http://sync.example.org:8080");
    assertThat(scalar("SELECT value FROM _fs_meta WHERE key = 'token'")).isEqualTo("secret");
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
  void statusAndListenersReportCyclesAndFailures() throws Exception {
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
    sql("INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')");
    assertThat(client.status().pending()).isEqualTo(1);
    server.loseNextPushResponses = 1;

    assertThatThrownBy(client::syncNow).isInstanceOf(TransportException.class);
    assertThat(client.status().lastError()).isEqualTo("response lost (fake)");
    client.syncNow();

    assertThat(events)
        .containsExactly("started", "failed response lost (fake)", "started", "finished 1");
    SyncStatus status = client.status();
    assertThat(status.lastError()).isNull();
    assertThat(status.lastResult().pushed()).isEqualTo(1);
    assertThat(status.lastSyncAt()).isEqualTo(clock.instant());
    assertThat(status.pending()).isZero();
  }

  @Test
  void aNewerSchemaWithANewTableAndColumnMigratesOnTheFirstSync() throws Exception {
    init();
    sql("INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')");
    client.close();
    server.schema =
        SchemaLoader.parse(
            FakeServer.SCHEMA_YAML.replace("version: 1", "version: 2")
                + "      phone: { type: text }\n"
                + "  crops:\n"
                + "    columns:\n"
                + "      id:   { type: uuid, primary_key: true }\n"
                + "      name: { type: text }\n");
    client = builder().open();

    client.syncNow();

    assertThat(client.schema().version()).isEqualTo(2);
    assertThat(client.status().schemaVersion()).isEqualTo(2);
    sql(
        "UPDATE visits SET phone = '123'",
        "INSERT INTO visits (id, phone) VALUES ('" + V1 + "', '555')",
        "INSERT INTO crops (id, name) VALUES ('c1', 'maize')");
    assertThat(pending("visits", V1).fields).containsKey("phone");
    assertThat(pending("crops", "c1").fields.get("name").value).isEqualTo("maize");
    client.close();
    client = builder().open();
    assertThat(client.schema().version()).isEqualTo(2);
  }

  @Test
  void aSchemaThatDropsAColumnIsRefused() throws Exception {
    init().close();
    server.schema =
        SchemaLoader.parse(
            FakeServer.SCHEMA_YAML
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
