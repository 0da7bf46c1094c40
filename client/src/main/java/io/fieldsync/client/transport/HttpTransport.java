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
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.ProxySelector;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Collections;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509TrustManager;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionSpec;
import okhttp3.Dispatcher;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The sync protocol over HTTP with OkHttp, which runs on the JVM and on Android alike:
 * zstd-compressed protobuf bodies and a bearer token. Redirects are never followed (one would carry
 * the token elsewhere).
 *
 * <p>Failures map to what the caller can do: a refused or cut connection, a timeout, a 5xx, 408 or
 * 429 is a {@link TransportException} (retriable); 401 is an {@link AuthException}; any other
 * status is a {@link ProtocolException} carrying the server's message. An interrupt of the calling
 * thread cancels the request in flight. Thread-safe.
 */
public final class HttpTransport implements Transport {
  /** The largest decompressed response accepted. */
  private static final int MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

  /** Names the client in server logs, in fewer bytes than OkHttp's default. */
  private static final String USER_AGENT = "fieldsync";

  private static final MediaType PROTOBUF = MediaType.get(WireCodec.PROTOBUF);

  /**
   * How often the live channel pings the server, which keeps it open through proxies and the
   * server's idle timeout; a pong missing by the next ping closes the channel.
   */
  static final Duration LIVE_PING = Duration.ofSeconds(30);

  private final String base;
  private final boolean plainHttp;
  private final String token;
  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final SSLContext tls;
  private final CaCertificates cas;
  private final ProxySelector proxy;
  private final OkHttpClient appClient;
  private volatile OkHttpClient client;

  /** A transport with a 10 s connect timeout and a 60 s request timeout. */
  public HttpTransport(URI server, String token) {
    this(builder(server, token));
  }

  /**
   * @param server the server's base URL, such as {@code http://sync.example.org:8080}
   * @param token the bearer token the server issued for this device
   */
  public HttpTransport(URI server, String token, Duration connectTimeout, Duration requestTimeout) {
    this(builder(server, token).timeouts(connectTimeout, requestTimeout));
  }

  /**
   * A transport whose TLS connections trust what {@code tls} trusts, such as the system's CAs plus
   * a deployment's own ({@link CaCertificates#sslContext()}). The server's host name is checked
   * against its certificate.
   *
   * @param tls the TLS context; null trusts the system's CAs
   */
  public HttpTransport(
      URI server, String token, Duration connectTimeout, Duration requestTimeout, SSLContext tls) {
    this(
        tls == null
            ? builder(server, token).timeouts(connectTimeout, requestTimeout)
            : builder(server, token).timeouts(connectTimeout, requestTimeout).sslContext(tls));
  }

  private HttpTransport(Builder settings) {
    this.token = settings.token;
    this.connectTimeout = settings.connectTimeout;
    this.requestTimeout = settings.requestTimeout;
    this.tls = settings.tls;
    this.cas = settings.cas;
    this.proxy = settings.proxy;
    this.appClient = settings.client;
    String text = settings.server.toString();
    this.base = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    this.plainHttp = "http".equalsIgnoreCase(settings.server.getScheme());
  }

  /**
   * A transport to {@code server} under {@code token}, with the settings the builder is given.
   *
   * @param server the server's base URL, such as {@code https://sync.example.org}
   * @param token the bearer token the server issued for this device
   */
  public static Builder builder(URI server, String token) {
    return new Builder(server, token);
  }

  /**
   * The settings of an {@link HttpTransport}. Each is optional: without any, the transport trusts
   * the system's CAs, connects directly (or as the platform's default proxy selector says), and
   * waits 10 s to connect and 60 s for an answer.
   */
  public static final class Builder {
    private final URI server;
    private final String token;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(60);
    private SSLContext tls;
    private CaCertificates cas;
    private ProxySelector proxy;
    private OkHttpClient client;

    private Builder(URI server, String token) {
      this.server = Objects.requireNonNull(server, "server");
      this.token = Objects.requireNonNull(token, "token");
    }

    /** How long to wait for a connection (default 10 s) and for an answer (default 60 s). */
    public Builder timeouts(Duration connect, Duration request) {
      this.connectTimeout = Objects.requireNonNull(connect, "connect");
      this.requestTimeout = Objects.requireNonNull(request, "request");
      return this;
    }

    /**
     * TLS connections trust what {@code tls} trusts (a key store, a pinned certificate, a test CA).
     * The server's host name is checked against its certificate all the same.
     */
    public Builder sslContext(SSLContext tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      this.cas = null;
      return this;
    }

    /** TLS connections trust the system's CAs and {@code cas}. */
    public Builder caCertificates(CaCertificates cas) {
      this.cas = Objects.requireNonNull(cas, "cas");
      this.tls = null;
      return this;
    }

    /**
     * Requests and the live channel go through the proxy {@code proxy} picks for each URL (for an
     * HTTP proxy on one address: {@link HttpProxy#at}). HTTPS goes through an HTTP proxy as a
     * {@code CONNECT} tunnel, so the proxy sees host names and never the token.
     */
    public Builder proxy(ProxySelector proxy) {
      this.proxy = Objects.requireNonNull(proxy, "proxy");
      return this;
    }

    /**
     * The application's own OkHttp client: its TLS settings, proxy, interceptors, connection pool,
     * dispatcher and connect timeout are used. The transport derives a client from it that follows
     * no redirect and has this builder's request timeout, TLS trust and proxy when they are given.
     */
    public Builder client(OkHttpClient client) {
      this.client = Objects.requireNonNull(client, "client");
      return this;
    }

    public HttpTransport build() {
      return new HttpTransport(this);
    }
  }

  /**
   * The OkHttp client, built at the first request: reading the system's CAs and probing the
   * platform is work that a command such as {@code fieldsync client status}, which sends nothing,
   * should not pay.
   */
  private OkHttpClient client() {
    OkHttpClient built = client;
    if (built == null) {
      synchronized (this) {
        built = client;
        if (built == null) {
          built = newClient();
          client = built;
        }
      }
    }
    return built;
  }

  private OkHttpClient newClient() {
    OkHttpClient.Builder builder;
    if (appClient != null) {
      builder = appClient.newBuilder();
    } else {
      builder =
          new OkHttpClient.Builder()
              .connectTimeout(connectTimeout)
              .dispatcher(new Dispatcher(daemonThreads()))
              // The server speaks HTTP/1.1.
              .protocols(Collections.singletonList(Protocol.HTTP_1_1));
    }
    builder
        .followRedirects(false)
        .followSslRedirects(false)
        .callTimeout(requestTimeout)
        .readTimeout(requestTimeout)
        .writeTimeout(requestTimeout)
        .pingInterval(LIVE_PING);
    if (proxy != null) {
      builder.proxySelector(proxy);
    }
    if (tls != null) {
      builder.sslSocketFactory(tls.getSocketFactory(), new ContextTrust());
    } else if (cas != null && !plainHttp) {
      X509TrustManager trust = cas.trustManager();
      builder.sslSocketFactory(CaCertificates.sslContext(trust).getSocketFactory(), trust);
    } else if (plainHttp && appClient == null) {
      // No TLS at all: OkHttp then reads no trust store. Redirects are not followed, so every
      // request and the live channel stay plain.
      builder.connectionSpecs(Collections.singletonList(ConnectionSpec.CLEARTEXT));
    }
    return builder.build();
  }

  /**
   * Threads for OkHttp's calls that do not keep a process alive: a command exits when its work is
   * done instead of a minute later, when an idle non-daemon thread would end.
   */
  private static ThreadPoolExecutor daemonThreads() {
    return new ThreadPoolExecutor(
        0,
        Integer.MAX_VALUE,
        60,
        TimeUnit.SECONDS,
        new SynchronousQueue<>(),
        task -> {
          Thread thread = new Thread(task, "fieldsync-http");
          thread.setDaemon(true);
          return thread;
        });
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
    return Packing.unpack(pullPacked(request));
  }

  @Override
  public PullResponse pullPacked(PullRequest request) {
    // This codec reads the packed form, which is a good deal smaller on the wire.
    return sendPacked(
        "POST",
        "/v1/pull",
        request.toBuilder().setPacked(true).build(),
        null,
        PullResponse.parser());
  }

  @Override
  public void health() {
    String where = "GET " + base + "/v1/health";
    Request request =
        new Request.Builder().url(base + "/v1/health").header("User-Agent", USER_AGENT).build();
    Answer answer = exchange(where, request, connectTimeout);
    if (answer.status() != 200) {
      throw new TransportException(where + " returned " + answer.status());
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
    return HttpLiveSocket.open(client(), ws, token, connectTimeout, listener);
  }

  /**
   * Sends {@code body}, or {@code encoded} when it is given (a body already encoded), or nothing (a
   * GET) when neither is.
   */
  private <T extends Message> T send(
      String method, String path, Message body, byte[] encoded, Parser<T> parser) {
    return Packing.unpack(sendPacked(method, path, body, encoded, parser));
  }

  /** {@link #send}, leaving a packed answer packed. */
  private <T extends Message> T sendPacked(
      String method, String path, Message body, byte[] encoded, Parser<T> parser) {
    String where = method + " " + base + path;
    Request.Builder request =
        new Request.Builder()
            .url(base + path)
            .header("User-Agent", USER_AGENT)
            .header("Authorization", "Bearer " + token);
    if (body == null && encoded == null) {
      request.header("Accept", WireCodec.PROTOBUF).get();
    } else {
      // No Accept: the server answers in the request's format.
      request
          .header("Content-Encoding", WireCodec.ZSTD)
          .post(RequestBody.create(encoded != null ? encoded : WireCodec.encode(body), PROTOBUF));
    }
    Answer answer = exchange(where, request.build(), requestTimeout);
    int status = answer.status();
    byte[] bytes = answer.body();
    if (status == 200) {
      String type = answer.contentType();
      if (!type.isEmpty() && !type.startsWith(WireCodec.PROTOBUF)) {
        throw new ProtocolException(
            where + " answered with Content-Type '" + type + "', expected " + WireCodec.PROTOBUF);
      }
      return answer.contentEncoding().equalsIgnoreCase(WireCodec.ZSTD)
          ? WireCodec.decode(parser, bytes, MAX_RESPONSE_BYTES)
          : WireCodec.parse(parser, bytes);
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

  /** A response read whole. */
  private record Answer(int status, String contentType, String contentEncoding, byte[] body) {}

  /**
   * Makes the call on OkHttp's threads and waits for its answer, read whole, for at most {@code
   * timeout}: an interrupt of the waiting thread cancels the call, which a blocking read would not
   * notice.
   */
  private Answer exchange(String where, Request request, Duration timeout) {
    Call call = client().newCall(request);
    call.timeout().timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    CompletableFuture<Answer> answer = new CompletableFuture<>();
    call.enqueue(
        new Callback() {
          @Override
          public void onFailure(Call failed, IOException e) {
            answer.completeExceptionally(e);
          }

          @Override
          public void onResponse(Call done, Response response) {
            try (ResponseBody body = response.body()) {
              answer.complete(
                  new Answer(
                      response.code(),
                      response.header("Content-Type", ""),
                      response.header("Content-Encoding", ""),
                      body == null ? new byte[0] : body.bytes()));
            } catch (IOException | RuntimeException e) {
              answer.completeExceptionally(e);
            }
          }
        });
    try {
      return answer.get();
    } catch (InterruptedException e) {
      call.cancel();
      Thread.currentThread().interrupt();
      throw new TransportException(where + " was interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof InterruptedIOException && !isConnectTimeout(cause)) {
        throw new TransportException(
            where + " timed out after " + timeout.toMillis() + " ms", cause);
      }
      throw new TransportException(where + " failed: " + describe(cause), cause);
    }
  }

  private static boolean isConnectTimeout(Throwable failure) {
    return failure instanceof SocketTimeoutException
        && failure.getMessage() != null
        && failure.getMessage().toLowerCase(Locale.ROOT).contains("connect");
  }

  /**
   * What went wrong, in words: OkHttp reports a refused connection as "Failed to connect to
   * /127.0.0.1:8080" with the reason in its cause.
   */
  static String describe(Throwable e) {
    Throwable root = e;
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof SSLException tls) {
        return "TLS failed: " + TlsFailure.describe(tls);
      }
      if (cause instanceof UnknownHostException) {
        return "cannot resolve the host name";
      }
      if (isConnectTimeout(cause)) {
        return "connecting timed out";
      }
      if (cause instanceof EOFException) {
        return "the connection closed before the response was complete";
      }
      root = cause;
      if (cause.getCause() == cause) {
        break;
      }
    }
    String reason = root.getMessage();
    if (e instanceof ConnectException || root instanceof ConnectException) {
      return reason != null && reason.toLowerCase(Locale.ROOT).startsWith("connection refused")
          ? "connection refused"
          : "cannot connect" + (reason != null ? ": " + reason : "");
    }
    // Say what happened, not which Java class reported it.
    String message = e.getMessage() != null ? e.getMessage() : reason;
    if (message != null && message.startsWith("unexpected end of stream")) {
      return "the connection closed before the response was complete";
    }
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
