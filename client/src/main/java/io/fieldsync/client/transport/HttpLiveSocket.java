package io.fieldsync.client.transport;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.fieldsync.AuthException;
import io.fieldsync.TransportException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/** The live channel over the JDK's {@link WebSocket}. Thread-safe. */
final class HttpLiveSocket implements LiveSocket, WebSocket.Listener {

  private final Listener listener;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final StringBuilder partial = new StringBuilder();
  private volatile WebSocket socket;

  private HttpLiveSocket(Listener listener) {
    this.listener = listener;
  }

  static HttpLiveSocket open(
      HttpClient client, URI uri, String token, Duration timeout, Listener listener) {
    HttpLiveSocket live = new HttpLiveSocket(listener);
    String where = "GET " + uri;
    try {
      live.socket =
          client
              .newWebSocketBuilder()
              .header("Authorization", "Bearer " + token)
              .connectTimeout(timeout)
              .buildAsync(uri, live)
              .get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS);
      return live;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof WebSocketHandshakeException handshake) {
        int status = handshake.getResponse().statusCode();
        if (status == 401) {
          throw new AuthException(where + " returned 401: the token was refused", handshake);
        }
        throw new TransportException(where + " refused the upgrade with " + status, handshake);
      }
      throw new TransportException(
          where
              + " failed: "
              + (cause instanceof java.io.IOException io ? HttpTransport.describe(io) : cause),
          cause);
    } catch (TimeoutException e) {
      throw new TransportException(where + " timed out after " + timeout.toMillis() * 2 + " ms", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransportException(where + " was interrupted", e);
    }
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      Long sequence = sequence(partial.toString());
      if (sequence != null) {
        listener.poked(sequence);
      }
      partial.setLength(0);
    }
    webSocket.request(1);
    return null;
  }

  /** The {@code sequence} of a poke ({@code {"sequence": n}}), or null when it has none. */
  static Long sequence(String text) {
    try {
      JsonElement message = JsonParser.parseString(text);
      if (message.isJsonObject()
          && message.getAsJsonObject().get("sequence") instanceof JsonPrimitive value
          && value.isNumber()) {
        return value.getAsLong();
      }
    } catch (JsonParseException | NumberFormatException e) {
      // Not a poke: ignored, as any other text message.
    }
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    finish("closed by the server: " + statusCode + (reason.isEmpty() ? "" : " " + reason));
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    finish("failed: " + error);
  }

  private void finish(String reason) {
    if (closed.compareAndSet(false, true)) {
      listener.closed(reason);
    }
  }

  @Override
  public void ping() {
    WebSocket current = socket;
    if (current != null && !closed.get()) {
      current.sendPing(ByteBuffer.allocate(0));
    }
  }

  @Override
  public boolean isOpen() {
    WebSocket current = socket;
    return current != null && !closed.get() && !current.isInputClosed();
  }

  @Override
  public void close() {
    WebSocket current = socket;
    if (current != null) {
      current.abort();
    }
    finish("closed by the device");
  }
}
