package io.fieldsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.server.TokenSecret;
import io.fieldsync.server.TokenService;
import io.fieldsync.store.postgres.testing.PostgresDatabaseExtension;
import io.fieldsync.store.postgres.testing.TestDatabase;
import io.fieldsync.testkit.TestServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes on one PostgreSQL store: the password kept out of {@code --db}, the secret's fingerprint
 * recorded by the first node, and a second node with another secret or none refused.
 */
@ExtendWith(PostgresDatabaseExtension.class)
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ServerSecretOnPostgresTest {
  @TempDir Path dir;

  /** The store without its password: it comes from {@code FIELDSYNC_DB_PASSWORD}. */
  private static String withoutPassword(TestDatabase database) {
    return new TestDatabase(database.name(), database.host(), database.port(), database.user(), "")
        .location();
  }

  /** The real password, or any text for the embedded server, which trusts local connections. */
  private static String password(TestDatabase database) {
    return database.password().isEmpty() ? "trusted-locally" : database.password();
  }

  private static String[] node(String location, String... more) {
    String[] base = {
      "server",
      "--db",
      location,
      "--schema",
      TestServer.exampleSchemaFile().toString(),
      "--port",
      "0",
      "--pool-size",
      "2"
    };
    String[] all = new String[base.length + more.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }

  private static String recordedFingerprint(TestDatabase database) throws Exception {
    try (Connection connection = database.connect();
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT value FROM _fs_settings WHERE key = 'token_secret_fingerprint'")) {
      return rows.next() ? rows.getString(1) : null;
    }
  }

  @Test
  void aSecondNodeWithAnotherSecretOrNoneIsRefusedOnTheSharedStore(TestDatabase database)
      throws Exception {
    TokenSecret first = TokenSecret.random();
    String location = withoutPassword(database);
    try (ServerProcess nodeA =
        ServerProcess.start(
            dir,
            Map.of("FIELDSYNC_SECRET", first.base64(), "FIELDSYNC_DB_PASSWORD", password(database)),
            node(location))) {
      nodeA.awaitListening();
      assertThat(recordedFingerprint(database)).isEqualTo(first.fingerprint());

      TokenSecret other = TokenSecret.random();
      Path otherFile = dir.resolve("other.secret");
      TokenService.writeSecret(otherFile, other);
      CommandRun withOther =
          CommandRun.in(
              Map.of("FIELDSYNC_DB_PASSWORD", password(database)),
              node(location, "--secret-file", otherFile.toString()));
      Path missing = dir.resolve("missing.secret");
      CommandRun withNone =
          CommandRun.in(
              Map.of("FIELDSYNC_DB_PASSWORD", password(database)),
              node(location, "--secret-file", missing.toString()));

      assertThat(withOther.exitCode()).as("%s", withOther).isEqualTo(1);
      assertThat(withOther.err())
          .startsWith(
              "fieldsync: this node's token secret (fingerprint "
                  + other.fingerprint().substring(0, 28)
                  + "…) differs from the one store "
                  + location
                  + " was started with (fingerprint "
                  + first.fingerprint().substring(0, 28)
                  + "…)");
      assertThat(withNone.exitCode()).as("%s", withNone).isEqualTo(1);
      assertThat(withNone.err())
          .startsWith(
              "fieldsync: store "
                  + location
                  + " was started with a token secret and this node has none ("
                  + missing
                  + " does not exist");
      assertThat(missing).doesNotExist();
      assertThat(recordedFingerprint(database)).isEqualTo(first.fingerprint());

      // A node given the same secret in the same encoding, by file this time, joins.
      Path sameFile = dir.resolve("same.secret");
      TokenService.writeSecret(sameFile, TokenSecret.fromBase64(first.base64(), "test"));
      try (ServerProcess nodeB =
          ServerProcess.start(
              dir,
              Map.of("FIELDSYNC_DB_PASSWORD", password(database)),
              node(location, "--secret-file", sameFile.toString()))) {
        assertThat(nodeB.awaitListening()).startsWith("http://127.0.0.1:");
      }
    }
  }

  @Test
  void aPasswordGivenBothInTheLocationAndApartIsRefused(TestDatabase database) {
    String location = withoutPassword(database) + "&password=inline";

    CommandRun run =
        CommandRun.in(
            Map.of(
                "FIELDSYNC_DB_PASSWORD",
                "apart",
                "FIELDSYNC_SECRET",
                TokenSecret.random().base64()),
            node(location));

    assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
    assertThat(run.err())
        .isEqualTo(
            "fieldsync: invalid PostgreSQL location '"
                + location.replace("password=inline", "password=***")
                + "': it carries a password and a password was given apart from it; give it once"
                + " (the password file or environment keeps it out of process lists)\n");
  }
}
