package io.fieldsync.client.transport;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.fieldsync.AuthException;
import io.fieldsync.TransportException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;

/**
 * The live channel over OkHttp's {@link WebSocket}. OkHttp pings the server every {@link
 * HttpTransport#LIVE_PING} on its own and closes the channel when a pong is missing, so {@link
 * #ping()} has nothing to add. Thread-safe.
 */
final class HttpLiveSocket extends WebSocketListener implements LiveSocket {

  private final Listener listener;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CompletableFuture<Void> opened = new CompletableFuture<>();
  private final CompletableFuture<Void> greeted = new CompletableFuture<>();
  private volatile WebSocket socket;

  private HttpLiveSocket(Listener listener) {
    this.listener = listener;
  }

  /** The upgrade failed with this status (0 when no response came). */
  private static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;

    Refused(Throwable cause, int status) {
      super(cause);
      this.status = status;
    }
  }

  static HttpLiveSocket open(
      OkHttpClient client, String url, String token, Duration timeout, Listener listener) {
    HttpLiveSocket live = new HttpLiveSocket(listener);
    String where = "GET " + url;
    Request request =
        new Request.Builder().url(url).header("Authorization", "Bearer " + token).build();
    live.socket = client.newWebSocket(request, live);
    long deadline = System.nanoTime() + timeout.toNanos() * 2;
    try {
      live.opened.get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS);
      live.awaitGreeting(deadline);
      return live;
    } catch (ExecutionException e) {
      live.socket.cancel();
      Refused refused = (Refused) e.getCause();
      Throwable cause = refused.getCause();
      if (refused.status == 401) {
        throw new AuthException(where + " returned 401: the token was refused", cause);
      }
      if (refused.status != 0) {
        throw new TransportException(where + " refused the upgrade with " + refused.status, cause);
      }
      throw new TransportException(where + " failed: " + HttpTransport.describe(cause), cause);
    } catch (TimeoutException e) {
      live.socket.cancel();
      throw new TransportException(where + " timed out after " + timeout.toMillis() * 2 + " ms", e);
    } catch (InterruptedException e) {
      live.socket.cancel();
      Thread.currentThread().interrupt();
      throw new TransportException(where + " was interrupted", e);
    }
  }

  /**
   * Waits until the server's first message, its sequence right after it registered the channel, or
   * the deadline: the upgrade's answer can arrive before the server counts the channel as open, and
   * a caller that sees the channel open expects pokes from then on. A channel that stays silent is
   * open all the same.
   */
  private void awaitGreeting(long deadline) throws InterruptedException {
    try {
      greeted.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (ExecutionException | TimeoutException e) {
      // Closed meanwhile (the listener heard why) or silent: either way the caller goes on.
    }
  }

  @Override
  public void onOpen(WebSocket webSocket, Response response) {
    opened.complete(null);
  }

  @Override
  public void onMessage(WebSocket webSocket, String text) {
    Long sequence = sequence(text);
    if (sequence != null) {
      listener.poked(sequence);
    }
    greeted.complete(null);
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
  public void onClosing(WebSocket webSocket, int code, String reason) {
    webSocket.close(1000, null);
    finish("closed by the server: " + code + (reason.isEmpty() ? "" : " " + reason));
  }

  @Override
  public void onFailure(WebSocket webSocket, Throwable error, Response response) {
    if (opened.completeExceptionally(new Refused(error, response == null ? 0 : response.code()))) {
      // Never opened: open() reports it, and the listener never heard of the channel.
      closed.set(true);
      return;
    }
    finish("failed: " + error);
  }

  private void finish(String reason) {
    greeted.complete(null);
    if (closed.compareAndSet(false, true)) {
      listener.closed(reason);
    }
  }

  @Override
  public void ping() {
    // OkHttp pings on its own (see the class comment).
  }

  @Override
  public boolean isOpen() {
    return socket != null && opened.isDone() && !closed.get();
  }

  @Override
  public void close() {
    WebSocket current = socket;
    if (current != null) {
      current.cancel();
    }
    finish("closed by the device");
  }
}
