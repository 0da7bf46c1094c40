package io.fieldsync.client.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.fieldsync.AuthException;
import io.fieldsync.ProtocolException;
import io.fieldsync.TransportException;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.WireCodec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpTransportTest {
  private HttpServer http;
  private final AtomicReference<String> seenAuthorization = new AtomicReference<>();
  private final AtomicReference<PullRequest> seenPull = new AtomicReference<>();

  @AfterEach
  void stop() {
    if (http != null) {
      http.stop(0);
    }
  }

  private URI serve(int status, String contentType, byte[] body) throws IOException {
    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.createContext(
        "/v1/",
        exchange -> {
          seenAuthorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
          byte[] request = exchange.getRequestBody().readAllBytes();
          if (exchange.getRequestURI().getPath().equals("/v1/pull")) {
            seenPull.set(WireCodec.decode(PullRequest.parser(), request, 1 << 20));
          }
          exchange.getResponseHeaders().add("Content-Type", contentType);
          if (contentType.equals(WireCodec.PROTOBUF)) {
            exchange.getResponseHeaders().add("Content-Encoding", WireCodec.ZSTD);
          }
          exchange.sendResponseHeaders(status, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    http.start();
    return URI.create("http://127.0.0.1:" + http.getAddress().getPort() + "/");
  }

  private static byte[] json(String error, String message) {
    return ("{\"error\":\"" + error + "\",\"message\":\"" + message + "\"}")
        .getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void sendsZstdProtobufWithTheBearerTokenAndDecodesTheAnswer() throws Exception {
    PullResponse answer = PullResponse.newBuilder().setNextCursor(9).setHasMore(true).build();
    URI server = serve(200, WireCodec.PROTOBUF, WireCodec.encode(answer));

    PullResponse response =
        new HttpTransport(server, "tok").pull(PullRequest.newBuilder().setCursor(3).build());

    assertThat(response).isEqualTo(answer);
    assertThat(seenAuthorization.get()).isEqualTo("Bearer tok");
    assertThat(seenPull.get().getCursor()).isEqualTo(3);
  }

  @Test
  void unauthorizedIsAnAuthException() throws Exception {
    URI server = serve(401, "application/json", json("unauthorized", "token expired"));

    assertThatThrownBy(() -> new HttpTransport(server, "tok").schema())
        .isInstanceOf(AuthException.class)
        .hasMessage(
            "GET "
                + server.toString().replaceAll("/$", "")
                + "/v1/schema returned 401: token expired");
  }

  @Test
  void badRequestIsAProtocolExceptionWithTheServersMessage() throws Exception {
    URI server = serve(400, "application/json", json("bad_request", "missing \\\"batch_id\\\""));

    assertThatThrownBy(
            () -> new HttpTransport(server, "tok").pull(PullRequest.getDefaultInstance()))
        .isInstanceOf(ProtocolException.class)
        .hasMessageEndingWith("/v1/pull returned 400: missing \"batch_id\"");
  }

  @Test
  void unavailableIsARetriableTransportException() throws Exception {
    URI server = serve(503, "application/json", json("unavailable", "store busy"));

    assertThatThrownBy(
            () -> new HttpTransport(server, "tok").pull(PullRequest.getDefaultInstance()))
        .isInstanceOf(TransportException.class)
        .hasMessageEndingWith("returned 503: store busy")
        .matches(error -> ((TransportException) error).isRetriable());
  }

  @Test
  void aRefusedConnectionIsATransportException() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    HttpTransport transport =
        new HttpTransport(
            URI.create("http://127.0.0.1:" + port),
            "tok",
            Duration.ofSeconds(2),
            Duration.ofSeconds(2));

    assertThatThrownBy(transport::schema)
        .isInstanceOf(TransportException.class)
        .hasMessage("GET http://127.0.0.1:" + port + "/v1/schema failed: connection refused");
  }

  @Test
  void anHttpsServerIsReachedThroughRealTls() throws Exception {
    try (ServerSocket plainServer = new ServerSocket(0)) {
      Thread answer =
          new Thread(
              () -> {
                try (Socket connection = plainServer.accept()) {
                  // Answer the ClientHello once it has arrived: closing with it unread would reset
                  // the connection before the client reads the answer.
                  connection.getInputStream().read(new byte[16 * 1024]);
                  connection
                      .getOutputStream()
                      .write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.UTF_8));
                  connection.shutdownOutput();
                  connection.getInputStream().readAllBytes();
                } catch (IOException e) {
                  // The transport's failure is what the test checks.
                }
              });
      answer.start();
      URI https = URI.create("https://127.0.0.1:" + plainServer.getLocalPort());
      HttpTransport transport =
          new HttpTransport(https, "tok", Duration.ofSeconds(30), Duration.ofSeconds(30));

      // A real TLS handshake runs and fails on a server that answers in plain HTTP.
      assertThatThrownBy(transport::schema)
          .isInstanceOf(TransportException.class)
          .hasMessageStartingWith("GET " + https + "/v1/schema failed: TLS failed: ")
          .hasMessageNotContaining("TLS is not available");
      answer.join();
    }
  }

  @Test
  void errorMessageFallsBackToTheBodyExcerpt() {
    assertThat(HttpTransport.errorMessage("oops".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("oops");
    assertThat(HttpTransport.errorMessage(new byte[0])).isEqualTo("(empty body)");
  }
}
