package io.fieldsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.AuthException;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.server.ServerConfig;
import io.fieldsync.server.SyncServer;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.sqlite.SqliteStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fieldsync token revoke}: the device's sync is refused afterwards, other devices sync. */
class TokenRevokeCommandTest {
  static final Schema SCHEMA =
      SchemaLoader.parse(
          """
          version: 1
          tables:
            households:
              columns:
                id:   { type: uuid, primary_key: true }
                name: { type: text }
          """);
  static final byte[] SECRET =
      "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  @TempDir Path dir;

  @Test
  void revokedDeviceCannotSyncAndTheCommandSaysWhatItDid() throws Exception {
    SqliteStore store = new SqliteStore(dir.resolve("server.db"), StoreOptions.DEFAULTS);
    try (store;
        SyncServer server =
            SyncServer.start(ServerConfig.builder(store, SCHEMA, SECRET).port(0).build());
        FieldSyncClient lost = device(server, "tablet-lost");
        FieldSyncClient kept = device(server, "tablet-kept")) {
      String admin =
          server.tokens().mint("acme", "console", "boss", "admin", List.of(), Duration.ofHours(1));
      CommandRun run =
          CommandRun.of(
              "token",
              "revoke",
              "--device",
              "tablet-lost",
              "--server",
              server.uri().toString(),
              "--token",
              admin);
      assertThat(run.exitCode()).as(run.toString()).isZero();
      assertThat(run.out())
          .startsWith("revoked the tokens of device tablet-lost (tenant acme) issued up to 20");

      Assertions.assertThatThrownBy(lost::syncNow)
          .isInstanceOf(AuthException.class)
          .hasMessageContaining("the tokens of device 'tablet-lost' issued up to");
      assertThat(kept.syncNow().cursor()).isZero();

      CommandRun notAdmin =
          CommandRun.of(
              "token",
              "revoke",
              "--device",
              "tablet-kept",
              "--server",
              server.uri().toString(),
              "--token",
              server.tokens().mint("acme", "x", null, null, List.of(), Duration.ofHours(1)));
      assertThat(notAdmin.exitCode()).as(notAdmin.toString()).isNotZero();
      assertThat(notAdmin.err()).contains("revoking tokens needs a token with role 'admin'");
      kept.syncNow();
    }
  }

  private FieldSyncClient device(SyncServer server, String name) {
    return FieldSyncClient.init(
        dir.resolve(name + ".db"),
        server.uri(),
        server.tokens().mint("acme", name, null, null, List.of(), Duration.ofHours(1)));
  }
}
