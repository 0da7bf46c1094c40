package io.fieldsync.client.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.TransportException;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.internal.state.DeviceDatabase;
import io.fieldsync.testkit.TestServer;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A device initialized with several server nodes keeps the list and fails over between them. */
class FailoverInitTest {

  @Test
  void serverListGivenAtInitIsStoredAndUsedOnOpen(@TempDir Path dir) throws Exception {
    // Nothing listens on port 9 (discard) of loopback: both nodes are unreachable, so init fails
    // after trying each, and the message names both.
    Path db = dir.resolve("device.db");
    List<URI> nodes = List.of(URI.create("http://127.0.0.1:9"), URI.create("http://127.0.0.1:19"));
    assertThatThrownBy(
            () ->
                FieldSyncClient.builder(db)
                    .servers(nodes)
                    .token("t")
                    .timeouts(Duration.ofSeconds(2), Duration.ofSeconds(2))
                    .initialize())
        .isInstanceOf(TransportException.class)
        .hasMessage("schema failed on every server node (http://127.0.0.1:9, http://127.0.0.1:19)");

    try (TestServer server = TestServer.start(dir)) {
      try (FieldSyncClient client =
          FieldSyncClient.builder(dir.resolve("stored.db"))
              .servers(nodes)
              .token("t")
              .transport(server.http(0, server.token("stored")))
              .initialize()) {
        assertThat(client.status().device()).isEqualTo("stored");
      }
    }
    try (Connection connection = DeviceDatabase.connect(dir.resolve("stored.db"), false);
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT key, value FROM _fs_meta WHERE key IN ('server_url', 'server_urls')"
                    + " ORDER BY key")) {
      assertThat(rows.next()).isTrue();
      assertThat(rows.getString(2)).isEqualTo("http://127.0.0.1:9");
      assertThat(rows.next()).isTrue();
      assertThat(rows.getString(2)).isEqualTo("[\"http://127.0.0.1:9\",\"http://127.0.0.1:19\"]");
    }
    try (FieldSyncClient reopened =
        FieldSyncClient.builder(dir.resolve("stored.db"))
            .timeouts(Duration.ofSeconds(2), Duration.ofSeconds(2))
            .open()) {
      assertThatThrownBy(reopened::syncNow)
          .isInstanceOf(TransportException.class)
          .hasMessageStartingWith("schema failed on every server node (http://127.0.0.1:9,");
    }
  }
}
