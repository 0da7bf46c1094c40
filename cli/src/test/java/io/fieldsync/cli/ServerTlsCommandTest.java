package io.fieldsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import io.fieldsync.server.ServerTls;
import io.fieldsync.server.TokenSecret;
import io.fieldsync.testkit.TestCertificates;
import io.fieldsync.testkit.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fieldsync server --tls-cert/--tls-key} and {@code --tls-keystore} as real processes, and
 * devices made with {@code client init --ca-file} syncing over HTTPS.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ServerTlsCommandTest {
  private static final List<String> LOOPBACK = List.of("localhost", "127.0.0.1");

  @TempDir Path dir;
  private final TestCertificates ca = TestCertificates.authority("fieldsync CLI test CA");
  private final String secret = TokenSecret.random().base64();

  private String[] server(String... tls) {
    String[] base = {
      "server",
      "--db",
      dir.resolve("server.db").toString(),
      "--schema",
      TestServer.exampleSchemaFile().toString(),
      "--port",
      "0"
    };
    String[] all = new String[base.length + tls.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(tls, 0, all, base.length, tls.length);
    return all;
  }

  private String token(String device) {
    CommandRun run =
        CommandRun.in(
            Map.of("FIELDSYNC_SECRET", secret),
            "token",
            "create",
            "--tenant",
            "acme",
            "--device",
            device);
    assertThat(run.exitCode()).as("%s", run).isZero();
    return run.out().strip();
  }

  private CommandRun init(String device, String url, String... more) {
    String[] base = {
      "client",
      "init",
      "--db",
      dir.resolve(device + ".db").toString(),
      "--server",
      url,
      "--token",
      token(device)
    };
    String[] all = new String[base.length + more.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return CommandRun.in(Map.of(), all);
  }

  @Test
  void aDeviceInitialisedWithTheCaFileSyncsOverHttpsAndOneWithoutIsToldWhy() throws Exception {
    TestCertificates.Issued issued = ca.issue(LOOPBACK, Duration.ofDays(1));
    Path chain = issued.writeChain(dir.resolve("fullchain.pem"));
    Path key = issued.writeKey(dir.resolve("privkey.pem"));
    Path caFile = ca.writeCertificate(dir.resolve("ca.pem"));
    try (ServerProcess node =
        ServerProcess.start(
            dir,
            Map.of("FIELDSYNC_SECRET", secret),
            server("--tls-cert", chain.toString(), "--tls-key", key.toString()))) {
      String url = node.awaitListening();
      assertThat(url).startsWith("https://127.0.0.1:");
      assertThat(node.output())
          .contains("TLS from " + chain + " and " + key + ": certificate CN=localhost");

      CommandRun phone = init("phone", url, "--ca-file", caFile.toString());
      assertThat(phone.exitCode()).as("%s", phone).isZero();
      Files.delete(caFile);
      // Later commands trust the CA kept in the device database.
      CommandRun sync =
          CommandRun.in(
              Map.of(), "client", "sync", "--db", dir.resolve("phone.db").toString(), "--json");
      assertThat(sync.exitCode()).as("%s", sync).isZero();
      assertThat(JsonParser.parseString(sync.out()).getAsJsonObject().get("cursor").getAsLong())
          .isZero();

      CommandRun stranger = init("stranger", url);
      assertThat(stranger.exitCode()).isEqualTo(1);
      assertThat(stranger.err())
          .isEqualTo(
              "fieldsync: GET "
                  + url
                  + "/v1/schema failed: TLS failed: the server's certificate is not signed by a CA"
                  + " this device trusts; give the deployment's CA certificate with `fieldsync"
                  + " client init --ca-file` (FieldSyncClient.Builder.caFile)\n");
    }
  }

  @Test
  void aCertificateForAnotherHostOrAnExpiredOneIsRefusedByTheCommandWithTheReason() {
    Path caFile = ca.writeCertificate(dir.resolve("ca.pem"));
    Instant now = Instant.now();
    TestCertificates.Issued otherHost = ca.issue(List.of("sync.example.org"), Duration.ofDays(1));
    TestCertificates.Issued expired =
        ca.issue(LOOPBACK, now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1)));
    for (TestCertificates.Issued issued : List.of(otherHost, expired)) {
      Path serverDir = dir.resolve(issued == expired ? "expired" : "other-host");
      ServerTls tls =
          ServerTls.fromPem(
              issued.writeChain(dir.resolve("chain.pem")), issued.writeKey(dir.resolve("key.pem")));
      try (TestServer server =
          TestServer.builder(serverDir).configure(config -> config.tls(tls)).start()) {
        CommandRun run =
            CommandRun.in(
                Map.of(),
                "client",
                "init",
                "--db",
                serverDir.resolve("phone.db").toString(),
                "--server",
                server.uri().toString(),
                "--token",
                server.token("phone"),
                "--ca-file",
                caFile.toString());

        assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
        assertThat(run.err())
            .startsWith("fieldsync: GET " + server.uri() + "/v1/schema failed: TLS failed: ")
            .contains(
                issued == expired
                    ? "the server's certificate has expired (NotAfter: "
                    : "the server's certificate is not issued for the host name of the server URL"
                        + " (127.0.0.1; the certificate names [sync.example.org])")
            .doesNotContain("Exception")
            .doesNotContain("\tat ");
        assertThat(run.err().lines()).hasSize(1);
      }
    }
  }

  @Test
  void aPkcs12KeystoreWithItsPasswordInTheEnvironmentServesHttps() throws Exception {
    Path keystore =
        ca.issue(LOOPBACK, Duration.ofDays(1)).writePkcs12(dir.resolve("server.p12"), "s3cret");
    Path caFile = ca.writeCertificate(dir.resolve("ca.pem"));
    try (ServerProcess node =
        ServerProcess.start(
            dir,
            Map.of("FIELDSYNC_SECRET", secret, "FIELDSYNC_TLS_KEYSTORE_PASSWORD", "s3cret"),
            server("--tls-keystore", keystore.toString()))) {
      String url = node.awaitListening();

      CommandRun phone = init("phone", url, "--ca-file", caFile.toString());

      assertThat(phone.exitCode()).as("%s", phone).isZero();
      assertThat(url).startsWith("https://");
    }
  }

  @Test
  void tlsFlagsThatDoNotFitAreRefusedBeforeAnythingStarts() throws Exception {
    TestCertificates.Issued issued = ca.issue(LOOPBACK, Duration.ofDays(1));
    Path chain = issued.writeChain(dir.resolve("fullchain.pem"));
    Path keystore = issued.writePkcs12(dir.resolve("server.p12"), "right");
    Path oldKey =
        Files.writeString(
            dir.resolve("rsa.key"),
            "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
    Path otherKey = ca.issue(LOOPBACK, Duration.ofDays(1)).writeKey(dir.resolve("other.key"));
    Map<String, String> environment = Map.of("FIELDSYNC_SECRET", secret);

    assertThat(CommandRun.in(environment, server("--tls-cert", chain.toString())).err())
        .isEqualTo("fieldsync: --tls-cert and --tls-key go together; --tls-key is missing\n");
    assertThat(
            CommandRun.in(
                    environment,
                    server("--tls-cert", chain.toString(), "--tls-key", oldKey.toString()))
                .err())
        .isEqualTo(
            "fieldsync: TLS key "
                + oldKey
                + " is a RSA PRIVATE KEY; the server reads unencrypted PKCS#8 keys (BEGIN PRIVATE"
                + " KEY): convert it with `openssl pkcs8 -topk8 -nocrypt -in "
                + oldKey
                + " -out key.pem`\n");
    assertThat(
            CommandRun.in(
                    environment,
                    server("--tls-cert", chain.toString(), "--tls-key", otherKey.toString()))
                .err())
        .isEqualTo(
            "fieldsync: TLS key "
                + otherKey
                + " does not belong to the certificate in "
                + chain
                + " (CN=localhost); give the key the certificate was issued for\n");
    assertThat(
            CommandRun.in(
                    Map.of("FIELDSYNC_SECRET", secret, "FIELDSYNC_TLS_KEYSTORE_PASSWORD", "wrong"),
                    server("--tls-keystore", keystore.toString()))
                .err())
        .isEqualTo("fieldsync: cannot open TLS keystore " + keystore + ": the password is wrong\n");
    assertThat(dir.resolve("server.db")).doesNotExist();
  }
}
