package io.fieldsync.client.transport;

import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.fieldsync.AuthException;
import io.fieldsync.ProtocolException;
import io.fieldsync.ResyncRequiredException;
import io.fieldsync.TransportException;
import io.fieldsync.wire.Packing;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.RecordsRequest;
import io.fieldsync.wire.RecordsResponse;
import io.fieldsync.wire.SchemaResponse;
import io.fieldsync.wire.VerifyRequest;
import io.fieldsync.wire.VerifyResponse;
import io.fieldsync.wire.WireCodec;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * The sync protocol over HTTP with the JDK's {@link HttpClient}: zstd-compressed protobuf bodies
 * and a bearer token.
 *
 * <p>Failures map to what the caller can do: a refused or cut connection, a timeout, a 5xx, 408 or
 * 429 is a {@link TransportException} (retriable); 401 is an {@link AuthException}; any other
 * status is a {@link ProtocolException} carrying the server's message. Thread-safe.
 */
public final class HttpTransport implements Transport {
  /** The largest decompressed response accepted. */
  private static final int MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

  /** Names the client in server logs, in fewer bytes than the JDK's default. */
  private static final String USER_AGENT = "fieldsync";

  private final String base;
  private final boolean plainHttp;
  private final String token;
  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final SSLContext tls;
  private volatile HttpClient client;

  /** A transport with a 10 s connect timeout and a 60 s request timeout. */
  public HttpTransport(URI server, String token) {
    this(server, token, Duration.ofSeconds(10), Duration.ofSeconds(60));
  }

  /**
   * @param server the server's base URL, such as {@code http://sync.example.org:8080}
   * @param token the bearer token the server issued for this device
   */
  public HttpTransport(URI server, String token, Duration connectTimeout, Duration requestTimeout) {
    this(server, token, connectTimeout, requestTimeout, (SSLContext) null);
  }

  /**
   * A transport whose TLS connections trust what {@code tls} trusts, such as the system's CAs plus
   * a deployment's own ({@link CaCertificates#sslContext()}). The server's host name is checked
   * against its certificate.
   *
   * @param server the server's base URL, such as {@code https://sync.example.org}
   * @param token the bearer token the server issued for this device
   * @param tls the TLS context; null trusts the system's CAs
   */
  public HttpTransport(
      URI server, String token, Duration connectTimeout, Duration requestTimeout, SSLContext tls) {
    this(server, token, connectTimeout, requestTimeout, tls, null);
  }

  /**
   * A transport that sends every request, and opens the live channel, through the application's own
   * client (its TLS context, proxy, executor and connect timeout). Redirects should stay off: a
   * redirect would carry the token elsewhere.
   *
   * @param client the client to use; its connect timeout, when set, also bounds the health check
   *     and the live channel's opening (else 10 s)
   */
  public HttpTransport(URI server, String token, HttpClient client, Duration requestTimeout) {
    this(
        server,
        token,
        Objects.requireNonNull(client, "client").connectTimeout().orElse(Duration.ofSeconds(10)),
        requestTimeout,
        null,
        client);
  }

  private HttpTransport(
      URI server,
      String token,
      Duration connectTimeout,
      Duration requestTimeout,
      SSLContext tls,
      HttpClient client) {
    Objects.requireNonNull(server, "server");
    this.tls = tls;
    this.client = client;
    this.token = Objects.requireNonNull(token, "token");
    this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
    String text = server.toString();
    this.base = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    this.plainHttp = "http".equalsIgnoreCase(server.getScheme());
  }

  /**
   * The JDK client, built at the first request: building one loads a few hundred classes and starts
   * a selector thread, work that a command such as {@code fieldsync client status}, which sends
   * nothing, should not pay.
   */
  private HttpClient client() {
    HttpClient built = client;
    if (built == null) {
      synchronized (this) {
        built = client;
        if (built == null) {
          HttpClient.Builder builder =
              HttpClient.newBuilder()
                  .connectTimeout(connectTimeout)
                  // The server speaks HTTP/1.1: asking every request to upgrade to h2c costs ~120
                  // bytes.
                  .version(HttpClient.Version.HTTP_1_1)
                  .followRedirects(HttpClient.Redirect.NEVER);
          if (tls != null) {
            builder.sslContext(tls);
          } else if (plainHttp) {
            // Redirects are not followed, so every request and the live socket stay plain too.
            builder.sslContext(NoTls.context()).sslParameters(new SSLParameters());
          }
          built = builder.build();
          client = built;
        }
      }
    }
    return built;
  }

  @Override
  public SchemaResponse schema() {
    return send("GET", "/v1/schema", null, null, SchemaResponse.parser());
  }

  @Override
  public PushResponse push(PushRequest request) {
    return push(EncodedPush.encode(request));
  }

  @Override
  public PushResponse push(EncodedPush push) {
    return send("POST", "/v1/push", null, push.body(), PushResponse.parser());
  }

  @Override
  public PullResponse pull(PullRequest request) {
    // This codec reads the packed form, which is a good deal smaller on the wire.
    return send(
        "POST",
        "/v1/pull",
        request.toBuilder().setPacked(true).build(),
        null,
        PullResponse.parser());
  }

  @Override
  public void health() {
    String where = "GET " + base + "/v1/health";
    try {
      HttpResponse<Void> response =
          client()
              .send(
                  HttpRequest.newBuilder(URI.create(base + "/v1/health"))
                      .timeout(connectTimeout)
                      .build(),
                  HttpResponse.BodyHandlers.discarding());
      if (response.statusCode() != 200) {
        throw new TransportException(where + " returned " + response.statusCode());
      }
    } catch (HttpTimeoutException e) {
      throw new TransportException(
          where + " timed out after " + connectTimeout.toMillis() + " ms", e);
    } catch (IOException e) {
      throw new TransportException(where + " failed: " + describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransportException(where + " was interrupted", e);
    }
  }

  @Override
  public VerifyResponse verify(VerifyRequest request) {
    return send("POST", "/v1/verify", request, null, VerifyResponse.parser());
  }

  @Override
  public RecordsResponse records(RecordsRequest request) {
    return send("POST", "/v1/records", request, null, RecordsResponse.parser());
  }

  @Override
  public LiveSocket live(LiveSocket.Listener listener) {
    String ws = base.replaceFirst("^http", "ws") + "/v1/live";
    return HttpLiveSocket.open(client(), URI.create(ws), token, connectTimeout, listener);
  }

  /**
   * Sends {@code body}, or {@code encoded} when it is given (a body already encoded), or nothing (a
   * GET) when neither is.
   */
  private <T extends Message> T send(
      String method, String path, Message body, byte[] encoded, Parser<T> parser) {
    String where = method + " " + base + path;
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(requestTimeout)
            .header("User-Agent", USER_AGENT)
            .header("Authorization", "Bearer " + token);
    if (body == null && encoded == null) {
      request.header("Accept", WireCodec.PROTOBUF).GET();
    } else {
      // No Accept: the server answers in the request's format.
      request
          .header("Content-Type", WireCodec.PROTOBUF)
          .header("Content-Encoding", WireCodec.ZSTD)
          .POST(
              HttpRequest.BodyPublishers.ofByteArray(
                  encoded != null ? encoded : WireCodec.encode(body)));
    }
    HttpResponse<byte[]> response;
    try {
      response = client().send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (HttpTimeoutException e) {
      throw new TransportException(
          where + " timed out after " + requestTimeout.toMillis() + " ms", e);
    } catch (IOException e) {
      throw new TransportException(where + " failed: " + describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransportException(where + " was interrupted", e);
    }
    int status = response.statusCode();
    byte[] bytes = response.body() == null ? new byte[0] : response.body();
    if (status == 200) {
      String type = response.headers().firstValue("Content-Type").orElse("");
      if (!type.isEmpty() && !type.startsWith(WireCodec.PROTOBUF)) {
        throw new ProtocolException(
            where + " answered with Content-Type '" + type + "', expected " + WireCodec.PROTOBUF);
      }
      String encoding = response.headers().firstValue("Content-Encoding").orElse("");
      return Packing.unpack(
          encoding.equalsIgnoreCase(WireCodec.ZSTD)
              ? WireCodec.decode(parser, bytes, MAX_RESPONSE_BYTES)
              : WireCodec.parse(parser, bytes));
    }
    String message = where + " returned " + status + ": " + errorMessage(bytes);
    if (status == 401) {
      throw new AuthException(message);
    }
    if (status == 410) {
      throw new ResyncRequiredException(message, lastDeviceBatch(bytes));
    }
    if (status >= 500 || status == 408 || status == 429) {
      throw new TransportException(message);
    }
    throw new ProtocolException(message);
  }

  /**
   * What went wrong, in words: the JDK client reports a refused connection or an unknown host as a
   * {@link ConnectException} without a message.
   */
  static String describe(IOException e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    for (Throwable cause = e;
        cause != null && cause.getCause() != cause;
        cause = cause.getCause()) {
      if (cause instanceof SSLException tls) {
        return "TLS failed: " + TlsFailure.describe(tls);
      }
    }
    if (root instanceof UnresolvedAddressException) {
      return "cannot resolve the host name";
    }
    if (e instanceof ConnectException && e.getMessage() == null) {
      return "connection refused";
    }
    // Say what happened, not which Java class reported it.
    if (e instanceof HttpConnectTimeoutException) {
      return "connecting timed out";
    }
    if (e instanceof EOFException || root instanceof EOFException) {
      return "the connection closed before the response was complete";
    }
    if (root instanceof ClosedChannelException) {
      return "the connection closed";
    }
    String message = e.getMessage() != null ? e.getMessage() : root.getMessage();
    return message != null ? message : "the connection failed without a reason";
  }

  /** The {@code last_device_batch} of a 410 body, 0 when it has none. */
  static long lastDeviceBatch(byte[] body) {
    return ErrorBody.parse(body).lastDeviceBatch();
  }

  /**
   * The {@code message} (else {@code error}) of the server's JSON error body ({@code {"error": ...,
   * "message": ...}}), or a short excerpt of the body when it has neither.
   */
  static String errorMessage(byte[] body) {
    return ErrorBody.parse(body).describe();
  }
}
