package io.fieldsync.testkit;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.WireCodec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Requests to one node as a test writes them, for what a device's transport never sends or never
 * shows: any path and method, a token or none, any content type and encoding, malformed bodies; the
 * answer comes back as it arrived, status, headers and body. Get one from {@link TestServer#raw()}.
 *
 * <p>A {@code null} token sends no {@code Authorization} header. Thread-safe.
 */
public final class RawHttp {
  private final URI base;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  RawHttp(URI base) {
    this.base = base;
  }

  /** The node's URI of {@code path}, e.g. {@code /v1/push}. */
  public URI uri(String path) {
    return base.resolve(path);
  }

  /** A request to {@code path} under {@code token}, for headers and a method of the test's own. */
  public HttpRequest.Builder request(String path, String token) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return request;
  }

  /** Sends a request; the body of the answer as text. */
  public HttpResponse<String> send(HttpRequest.Builder request)
      throws IOException, InterruptedException {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Sends a request; the body of the answer as bytes (protobuf answers). */
  public HttpResponse<byte[]> sendForBytes(HttpRequest.Builder request)
      throws IOException, InterruptedException {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  public HttpResponse<String> get(String path, String token)
      throws IOException, InterruptedException {
    return send(request(path, token).GET());
  }

  public HttpResponse<String> postJson(String path, String token, String json)
      throws IOException, InterruptedException {
    return send(
        request(path, token)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  /**
   * Posts {@code body} as it is, with {@code contentType}; a protobuf body is marked {@code
   * Content-Encoding: zstd}, as devices send it, whether or not it is compressed.
   */
  public HttpResponse<String> post(String path, String token, String contentType, byte[] body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        request(path, token)
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType.startsWith(WireCodec.PROTOBUF)) {
      request.header("Content-Encoding", "zstd");
    }
    return send(request);
  }

  /** Posts a message in protobuf compressed with zstd, as devices send it; the answer as bytes. */
  public HttpResponse<byte[]> postProtobuf(String path, String token, Message message)
      throws IOException, InterruptedException {
    return sendForBytes(
        request(path, token)
            .header("Content-Type", WireCodec.PROTOBUF)
            .header("Content-Encoding", "zstd")
            .POST(HttpRequest.BodyPublishers.ofByteArray(WireCodec.encode(message))));
  }

  /**
   * A push in JSON.
   *
   * @throws AssertionError when the server does not answer 200
   */
  public PushResponse push(String token, PushRequest request)
      throws IOException, InterruptedException {
    HttpResponse<String> response = postJson("/v1/push", token, json(request));
    PushResponse.Builder result = PushResponse.newBuilder();
    parse(response, "push", result);
    return result.build();
  }

  /**
   * A pull in JSON.
   *
   * @throws AssertionError when the server does not answer 200
   */
  public PullResponse pull(String token, PullRequest request)
      throws IOException, InterruptedException {
    HttpResponse<String> response = postJson("/v1/pull", token, json(request));
    PullResponse.Builder result = PullResponse.newBuilder();
    parse(response, "pull", result);
    return result.build();
  }

  private static void parse(HttpResponse<String> response, String what, Message.Builder into)
      throws InvalidProtocolBufferException {
    if (response.statusCode() != 200) {
      throw new AssertionError(what + " failed: " + response.statusCode() + " " + response.body());
    }
    JsonFormat.parser().merge(response.body(), into);
  }

  /** A message in the JSON form the server reads. */
  public static String json(Message message) {
    try {
      return JsonFormat.printer().print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("cannot print " + message.getDescriptorForType(), e);
    }
  }
}
