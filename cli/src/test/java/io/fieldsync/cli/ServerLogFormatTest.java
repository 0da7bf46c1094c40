package io.fieldsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonReader;
import io.fieldsync.testkit.TestServer;
import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fieldsync server --log-format json|text} as a real process: JSON writes one JSON object
 * per line, text stays the default, and in both a request's log line carries the request id its
 * response carries as {@code X-Request-Id} (the caller's when well-formed, else a new one).
 */
class ServerLogFormatTest {
  @TempDir Path dir;
  private final List<LoggedServerProcess> servers = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stopServers() {
    servers.forEach(LoggedServerProcess::close);
  }

  @Test
  void jsonLogsAreOneObjectPerLineWithTheRequestIdOfTheResponse() throws Exception {
    LoggedServerProcess server = start("--log-format", "json");
    JsonObject started = strictObject(server.startLine());
    assertThat(started.get("level").getAsString()).isEqualTo("INFO");
    assertThat(started.get("loggerName").getAsString()).isEqualTo("io.fieldsync.server.SyncServer");
    assertThat(started.get("timestamp").getAsLong()).isPositive();

    HttpResponse<String> given = unauthenticated(server.uri(), "given-id-7");
    assertThat(given.statusCode()).isEqualTo(401);
    assertThat(given.headers().firstValue("X-Request-Id")).contains("given-id-7");
    JsonObject refused = strictObject(server.lineContaining("schema refused: 401"));
    assertThat(refused.getAsJsonObject("mdc").get("request_id").getAsString())
        .isEqualTo("given-id-7");
    assertThat(refused.get("formattedMessage").getAsString())
        .isEqualTo(
            "GET /v1/schema refused: 401 unauthorized: missing bearer token; send"
                + " Authorization: Bearer <token>");

    // An id that could forge a log line is replaced by one of the server's own.
    HttpResponse<String> replaced = unauthenticated(server.uri(), "two words");
    String made = replaced.headers().firstValue("X-Request-Id").orElseThrow();
    assertThat(made).isNotEqualTo("two words").matches("[0-9a-f]{12}-[0-9a-z]+");
    JsonObject second = strictObject(server.lineContaining("schema refused: 401"));
    assertThat(second.getAsJsonObject("mdc").get("request_id").getAsString()).isEqualTo(made);

    // Without an id, the server makes one too.
    HttpResponse<String> none = unauthenticated(server.uri(), null);
    String third = none.headers().firstValue("X-Request-Id").orElseThrow();
    assertThat(third).isNotEqualTo(made);
    assertThat(strictObject(server.lineContaining("schema refused: 401")).getAsJsonObject("mdc"))
        .hasToString("{\"request_id\":\"" + third + "\"}");
    for (String line : server.lines()) {
      strictObject(line);
    }
  }

  @Test
  void textLogsAreTheDefaultAndCarryTheRequestIdInBrackets() throws Exception {
    LoggedServerProcess server = start();
    assertThat(server.startLine()).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  SyncServer - .*");

    HttpResponse<String> given = unauthenticated(server.uri(), "given-id-8");
    assertThat(given.headers().firstValue("X-Request-Id")).contains("given-id-8");
    assertThat(server.lineContaining("schema refused: 401"))
        .matches(
            "\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  FailureReplies \\[given-id-8\\] - GET /v1/schema"
                + " refused: 401 .*");
  }

  private HttpResponse<String> unauthenticated(URI uri, String requestId) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri.resolve("/v1/schema")).timeout(Duration.ofSeconds(30));
    if (requestId != null) {
      request.header("X-Request-Id", requestId);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Parses a line as exactly one JSON object, nothing before or after it. */
  private static JsonObject strictObject(String line) throws IOException {
    JsonReader reader = new JsonReader(new StringReader(line));
    JsonObject object = JsonParser.parseReader(reader).getAsJsonObject();
    assertThat(reader.peek()).as("after the object in %s", line).hasToString("END_DOCUMENT");
    return object;
  }

  private LoggedServerProcess start(String... options) throws Exception {
    List<String> arguments =
        new ArrayList<>(
            List.of(
                "--db",
                dir.resolve("server-" + servers.size() + ".db").toString(),
                "--schema",
                TestServer.exampleSchemaFile().toString(),
                "--secret-file",
                dir.resolve("fieldsync.secret").toString(),
                "--port",
                "0"));
    arguments.addAll(List.of(options));
    LoggedServerProcess server = LoggedServerProcess.start(arguments);
    servers.add(server);
    return server;
  }
}
