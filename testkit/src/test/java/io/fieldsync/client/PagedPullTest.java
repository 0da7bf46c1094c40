package io.fieldsync.client;

import static io.fieldsync.client.Households.H1;
import static io.fieldsync.client.Households.H2;
import static io.fieldsync.client.Households.H3;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.StorageException;
import io.fieldsync.TransportException;
import io.fieldsync.testkit.FaultyTransport;
import io.fieldsync.testkit.FaultyTransport.Fault;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import io.fieldsync.wire.PullRequest;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The next page is fetched while the current one is applied; the cursor follows commits only. */
class PagedPullTest {
  @TempDir Path dir;
  TestServer server;
  FaultyTransport network;
  TestDevice device;
  TestDevice other;

  @BeforeEach
  void setUp() {
    server = TestServer.builder(dir).schema(Households.SCHEMA_YAML).start();
    network = Households.network(server);
    device = server.device(Households.DEVICE, builder -> Households.over(network).apply(builder));
    other = server.device("other");
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  private void pageSize(int records) {
    device =
        server.reopen(
            device, builder -> Households.over(network).apply(builder).pullPageSize(records));
  }

  @Test
  void aFailedFetchAheadKeepsThePageBeforeItAndTheNextSyncContinuesFromThere() {
    long start = server.sequence(TestServer.TENANT);
    other.sql(
        "INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')",
        "INSERT INTO households (id, region) VALUES ('" + H2 + "', 's')",
        "INSERT INTO households (id, region) VALUES ('" + H3 + "', 'e')");
    other.sync();
    pageSize(1);
    network.script(Fault.NONE, Fault.FAIL_BEFORE_SEND);

    assertThatThrownBy(device::sync)
        .isInstanceOf(TransportException.class)
        .hasMessage("injected fault: pull call 2 failed before sending");

    assertThat(device.scalar("SELECT cursor FROM _fs_state")).isEqualTo(start + 1);
    assertThat(device.query("SELECT id FROM households"))
        .extracting(row -> row.get("id"))
        .containsExactly(H1);
    assertThat(device.scalar("SELECT capture FROM _fs_state")).isEqualTo(1L);

    SyncResult result = device.sync();

    assertThat(result.pulled()).isEqualTo(2);
    assertThat(result.cursor()).isEqualTo(start + 3);
    // A full page says has_more, so the run ends with an empty page from the last cursor.
    assertThat(network.pullRequests())
        .extracting(PullRequest::getCursor)
        .containsExactly(start, start + 1, start + 1, start + 2, start + 3);
    assertThat(device.query("SELECT id FROM households ORDER BY id"))
        .extracting(row -> row.get("id"))
        .containsExactly(H1, H2, H3);
  }

  @Test
  void aPageThatFailsToApplyLeavesTheCursorAndNoStagedRowReachesTheNextSync() {
    // An application trigger that refuses one value: the page holding it fails mid-batch.
    device.sql(
        "CREATE TRIGGER refuse BEFORE INSERT ON households WHEN NEW.region = 'boom'"
            + " BEGIN SELECT RAISE(ABORT, 'refused by the app'); END");
    other.sql("INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')");
    other.sync();
    device.sync();
    long cursor = server.sequence(TestServer.TENANT);
    other.sql(
        "INSERT INTO households (id, region) VALUES ('" + H2 + "', 's')",
        "INSERT INTO households (id, region) VALUES ('" + H3 + "', 'boom')");
    other.sync();
    pageSize(2);

    assertThatThrownBy(device::sync)
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("refused by the app");

    assertThat(device.scalar("SELECT cursor FROM _fs_state")).isEqualTo(cursor);
    assertThat(device.query("SELECT id FROM households"))
        .extracting(row -> row.get("id"))
        .containsExactly(H1);
    assertThat(device.scalar("SELECT capture FROM _fs_state")).isEqualTo(1L);
    assertThat(device.log()).isEmpty();

    device.sql("DROP TRIGGER refuse");
    other.sql(
        "DELETE FROM households WHERE id = '" + H2 + "'",
        "UPDATE households SET region = 'e' WHERE id = '" + H3 + "'");
    other.sync();

    SyncResult result = device.sync();

    assertThat(result.cursor()).isEqualTo(server.sequence(TestServer.TENANT));
    assertThat(device.query("SELECT id, region FROM households ORDER BY id"))
        .extracting(row -> row.get("id") + "=" + row.get("region"))
        .containsExactly(H1 + "=n", H3 + "=e");
    assertThat(device.log()).isEmpty();
  }
}
