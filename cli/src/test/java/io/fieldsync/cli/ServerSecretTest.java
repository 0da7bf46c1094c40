package io.fieldsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.server.TokenSecret;
import io.fieldsync.server.TokenService;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.SyncStores;
import io.fieldsync.testkit.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The token secret on SQLite: one encoding (base64) in the file and in {@code FIELDSYNC_SECRET}, a
 * secret made only for a new store, and a node whose secret differs from the store's first refused.
 */
// A server that started anyway would run until stopped: fail instead of hanging the build.
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ServerSecretTest {
  @TempDir Path dir;

  private String schema() {
    return TestServer.exampleSchemaFile().toString();
  }

  private String[] server(String... more) {
    String[] base = {
      "server", "--db", dir.resolve("server.db").toString(), "--schema", schema(), "--port", "0"
    };
    String[] all = new String[base.length + more.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }

  private String recordedFingerprint() {
    try (SyncStore store =
        SyncStores.open(dir.resolve("server.db").toString(), StoreOptions.DEFAULTS)) {
      return store.setting(TokenSecret.FINGERPRINT_SETTING);
    }
  }

  @Test
  void aNewStoreGetsANewSecretFileWhoseFingerprintItRecords() throws Exception {
    try (ServerProcess node = ServerProcess.start(dir, Map.of(), server())) {
      node.awaitListening();
      Path file = dir.resolve("fieldsync.secret");
      TokenSecret written = TokenService.readSecret(file);

      assertThat(node.output())
          .contains(
              "the store records no token secret yet: wrote a new one to fieldsync.secret ("
                  + written.fingerprint()
                  + ")");
      assertThat(recordedFingerprint()).isEqualTo(written.fingerprint());
    }
  }

  @Test
  void theSecretInTheEnvironmentIsTheBase64TextOfTheFileAndSignsTheSameTokens() throws Exception {
    CommandRun init =
        CommandRun.in(Map.of(), "server", "--init-secret", "--secret-file", dir + "/file.secret");
    assertThat(init.exitCode()).as("%s", init).isZero();
    String text = Files.readString(dir.resolve("file.secret")).strip();
    TokenSecret secret = TokenSecret.fromBase64(text, "file");
    assertThat(init.out())
        .isEqualTo(
            "wrote a new token secret to " + dir + "/file.secret (" + secret.fingerprint() + ")\n");

    try (ServerProcess node =
        ServerProcess.start(dir, Map.of("FIELDSYNC_SECRET", text), server())) {
      String url = node.awaitListening();
      // A token signed with the file is accepted by the node that read the environment.
      CommandRun token =
          CommandRun.in(
              Map.of(),
              "token",
              "create",
              "--tenant",
              "acme",
              "--device",
              "phone",
              "--secret-file",
              dir + "/file.secret");
      CommandRun device =
          CommandRun.in(
              Map.of(),
              "client",
              "init",
              "--db",
              dir + "/phone.db",
              "--server",
              url,
              "--token",
              token.out().strip());

      assertThat(device.exitCode()).as("%s", device).isZero();
      assertThat(recordedFingerprint()).isEqualTo(secret.fingerprint());
      assertThat(Files.exists(dir.resolve("fieldsync.secret"))).isFalse();
    }
  }

  @Test
  void aNodeWithAnotherSecretThanTheStoresFirstIsRefusedAndSaysSo() throws Exception {
    TokenSecret first = TokenSecret.random();
    try (ServerProcess node =
        ServerProcess.start(dir, Map.of("FIELDSYNC_SECRET", first.base64()), server())) {
      node.awaitListening();
    }
    TokenSecret other = TokenSecret.random();
    Path otherFile = dir.resolve("other.secret");
    TokenService.writeSecret(otherFile, other);

    CommandRun run = CommandRun.in(Map.of(), server("--secret-file", otherFile.toString()));

    assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
    assertThat(run.err())
        .isEqualTo(
            "fieldsync: this node's token secret (fingerprint "
                + other.fingerprint().substring(0, 28)
                + "…) differs from the one store "
                + dir.resolve("server.db")
                + " was started with (fingerprint "
                + first.fingerprint().substring(0, 28)
                + "…); every node of a store needs the same secret, or the tokens one node signs"
                + " are refused by the others: give this node the secret of the others"
                + " (FIELDSYNC_SECRET or --secret-file)\n");
    assertThat(recordedFingerprint()).isEqualTo(first.fingerprint());
  }

  @Test
  void aNodeWithoutASecretMakesNoneForAStoreThatHasOne() throws Exception {
    try (ServerProcess node =
        ServerProcess.start(
            dir, Map.of("FIELDSYNC_SECRET", TokenSecret.random().base64()), server())) {
      node.awaitListening();
    }

    Path missing = dir.resolve("node2.secret");

    CommandRun run = CommandRun.in(Map.of(), server("--secret-file", missing.toString()));

    assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
    assertThat(run.err())
        .isEqualTo(
            "fieldsync: store "
                + dir.resolve("server.db")
                + " was started with a token secret and this node has none ("
                + missing
                + " does not exist and FIELDSYNC_SECRET is not set); give it the secret of the"
                + " other nodes: a new one would refuse every device's token\n");
    assertThat(Files.exists(missing)).isFalse();
  }

  @Test
  void rawTextInTheEnvironmentIsRefusedBeforeTheStoreIsTouched() {
    CommandRun run =
        CommandRun.in(
            Map.of("FIELDSYNC_SECRET", "correct horse battery staple, thirty-two+"), server());

    assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
    assertThat(run.err())
        .startsWith("fieldsync: FIELDSYNC_SECRET is not base64 (")
        .endsWith(
            "); a token secret is base64 of at least 32 random bytes, e.g. the output of `openssl"
                + " rand -base64 32`\n");
    assertThat(dir.resolve("server.db")).doesNotExist();
  }

  @Test
  void aSecretGivenBothInTheEnvironmentAndByFileIsRefused() throws Exception {
    Path file = dir.resolve("a.secret");
    TokenService.writeSecret(file, TokenSecret.random());

    CommandRun run =
        CommandRun.in(
            Map.of("FIELDSYNC_SECRET", TokenSecret.random().base64()),
            server("--secret-file", file.toString()));

    assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
    assertThat(run.err())
        .isEqualTo(
            "fieldsync: the token secret is given twice, in FIELDSYNC_SECRET and by --secret-file "
                + file
                + "; give it once\n");
  }

  @Test
  void tokenCreateWithoutASecretSaysHowToMakeOne() {
    CommandRun run =
        CommandRun.in(
            Map.of(),
            "token",
            "create",
            "--tenant",
            "acme",
            "--device",
            "d",
            "--secret-file",
            dir + "/none.secret");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .isEqualTo(
            "fieldsync: no token secret: "
                + dir
                + "/none.secret does not exist and FIELDSYNC_SECRET is not set; write one with"
                + " `fieldsync server --init-secret` (the server makes one for a new store too), or"
                + " give the server's with --secret-file\n");
  }

  @Test
  void aDatabasePasswordForASqliteStoreIsRefused() {
    CommandRun run =
        CommandRun.in(
            Map.of(
                "FIELDSYNC_DB_PASSWORD",
                "hunter2",
                "FIELDSYNC_SECRET",
                TokenSecret.random().base64()),
            server());

    assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
    assertThat(run.err())
        .isEqualTo(
            "fieldsync: a database password was given, but "
                + dir.resolve("server.db")
                + " is a SQLite file, which takes none; give the password only with a"
                + " postgresql:// store\n");
    assertThat(dir.resolve("server.db")).doesNotExist();
  }

  private CommandRun tokenFor(String device, TokenSecret secret) {
    return CommandRun.in(
        Map.of("FIELDSYNC_SECRET", secret.base64()),
        "token",
        "create",
        "--tenant",
        "acme",
        "--device",
        device);
  }

  /** One sync of a device through {@code url} (each start of the node picks a new port). */
  private CommandRun sync(String device, String url) {
    return CommandRun.in(
        Map.of(), "client", "sync", "--db", dir + "/" + device + ".db", "--server", url);
  }

  @Test
  void aSecretIsReplacedWithoutRefusingTheDevicesTokensOfThePreviousOne() throws Exception {
    TokenSecret old = TokenSecret.random();
    TokenSecret replacement = TokenSecret.random();
    try (ServerProcess node =
        ServerProcess.start(dir, Map.of("FIELDSYNC_SECRET", old.base64()), server())) {
      String url = node.awaitListening();
      CommandRun init =
          CommandRun.in(
              Map.of(),
              "client",
              "init",
              "--db",
              dir + "/phone.db",
              "--server",
              url,
              "--token",
              tokenFor("phone", old).out().strip());
      assertThat(init.exitCode()).as("%s", init).isZero();
    }

    // Every node restarts with the new secret and the previous one: old tokens still work.
    String url;
    try (ServerProcess node =
        ServerProcess.start(
            dir,
            Map.of(
                "FIELDSYNC_SECRET",
                replacement.base64(),
                "FIELDSYNC_PREVIOUS_SECRET",
                old.base64()),
            server())) {
      url = node.awaitListening();
      assertThat(node.output())
          .contains(
              "the store's token secret is now "
                  + replacement.fingerprint()
                  + " (was "
                  + old.fingerprint()
                  + ")");
      assertThat(recordedFingerprint()).isEqualTo(replacement.fingerprint());
      CommandRun phone = sync("phone", url);
      assertThat(phone.exitCode()).as("a token of the previous secret: %s", phone).isZero();
    }

    // Once devices hold tokens of the new secret, the nodes drop the previous one.
    try (ServerProcess node =
        ServerProcess.start(dir, Map.of("FIELDSYNC_SECRET", replacement.base64()), server())) {
      String now = node.awaitListening();
      CommandRun refused = sync("phone", now);
      assertThat(refused.exitCode()).isEqualTo(1);
      assertThat(refused.err()).contains("token signature is invalid (not signed by this server)");
      CommandRun tablet =
          CommandRun.in(
              Map.of(),
              "client",
              "init",
              "--db",
              dir + "/tablet.db",
              "--server",
              now,
              "--token",
              tokenFor("tablet", replacement).out().strip());
      assertThat(tablet.exitCode()).as("%s", tablet).isZero();
    }
    assertThat(url).startsWith("http://127.0.0.1:");
    CommandRun withOld = CommandRun.in(Map.of("FIELDSYNC_SECRET", old.base64()), server());
    assertThat(withOld.exitCode()).isEqualTo(1);
    assertThat(withOld.err()).startsWith("fieldsync: this node's token secret (fingerprint");
  }
}
