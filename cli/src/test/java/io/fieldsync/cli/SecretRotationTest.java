package io.fieldsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.server.TokenService;
import io.fieldsync.testkit.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rotating the token secret without locking devices out: a server started with the new secret and
 * {@code --previous-secret-file} the old one accepts tokens of both, and refuses one of a secret it
 * was never given.
 */
class SecretRotationTest {
  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void tokensOfThePreviousSecretKeepWorkingBesideTokensOfTheNewOne() throws Exception {
    Path oldSecret = dir.resolve("old.secret");
    Path newSecret = dir.resolve("new.secret");
    Path otherSecret = dir.resolve("other.secret");
    TokenService.loadOrCreateSecret(oldSecret);
    TokenService.loadOrCreateSecret(newSecret);
    TokenService.loadOrCreateSecret(otherSecret);
    String oldToken = token(oldSecret, "tablet-old");
    String newToken = token(newSecret, "tablet-new");
    String otherToken = token(otherSecret, "tablet-other");

    try (ServerProcess server =
        ServerProcess.start(
            List.of(
                "--db",
                dir.resolve("server.db").toString(),
                "--schema",
                TestServer.exampleSchemaFile().toString(),
                "--port",
                "0",
                "--secret-file",
                newSecret.toString(),
                "--previous-secret-file",
                oldSecret.toString()))) {
      assertThat(schema(server.uri(), oldToken).statusCode()).isEqualTo(200);
      assertThat(schema(server.uri(), newToken).statusCode()).isEqualTo(200);
      HttpResponse<String> refused = schema(server.uri(), otherToken);
      assertThat(refused.statusCode()).isEqualTo(401);
      assertThat(refused.body())
          .isEqualTo(
              "{\"error\":\"unauthorized\",\"message\":\"token signature is invalid (not signed by"
                  + " this server)\"}\n");
    }
  }

  @Test
  void aMissingPreviousSecretFileIsRefusedAtStart() {
    CommandRun run =
        CommandRun.of(
            "server",
            "--db",
            dir.resolve("server.db").toString(),
            "--schema",
            TestServer.exampleSchemaFile().toString(),
            "--port",
            "0",
            "--secret-file",
            dir.resolve("new.secret").toString(),
            "--previous-secret-file",
            dir.resolve("gone.secret").toString());
    assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
    assertThat(run.err())
        .isEqualTo(
            "fieldsync: previous secret file " + dir.resolve("gone.secret") + " does not exist\n");
  }

  private static String token(Path secret, String device) {
    CommandRun run =
        CommandRun.of(
            "token",
            "create",
            "--tenant",
            "acme",
            "--device",
            device,
            "--secret-file",
            secret.toString());
    assertThat(run.exitCode()).as("%s", run).isZero();
    return run.out().strip();
  }

  private HttpResponse<String> schema(URI server, String token) throws Exception {
    return http.send(
        HttpRequest.newBuilder(server.resolve("/v1/schema"))
            .header("Authorization", "Bearer " + token)
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
