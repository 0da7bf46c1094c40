package io.fieldsync.server.http;

import com.google.gson.JsonObject;
import io.fieldsync.store.SyncStore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/ready}: 200 when the store answers a ping ({@link SyncStore#ping}) within the
 * timeout, else 503 with the reason. The ping runs on a thread of its own so that a store that
 * hangs (a PostgreSQL host gone silent, a pool waiting for a connection) costs the probe the
 * timeout, not the pool's wait; while one ping hangs, later probes wait for that one instead of
 * starting more. Thread-safe.
 */
final class StoreReadiness implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StoreReadiness.class);

  /** How long a probe waits for the store. */
  static final Duration TIMEOUT = Duration.ofSeconds(2);

  private final SyncStore store;
  private final Duration timeout;
  private final ExecutorService pinger;
  private CompletableFuture<Void> inFlight;

  StoreReadiness(SyncStore store, Duration timeout) {
    this.store = store;
    this.timeout = timeout;
    this.pinger =
        Executors.newSingleThreadExecutor(
            task -> {
              Thread thread = new Thread(task, "fieldsync-ready");
              thread.setDaemon(true);
              return thread;
            });
  }

  Reply reply() {
    String reason = unready();
    JsonObject body = new JsonObject();
    if (reason == null) {
      body.addProperty("status", "ready");
      return Reply.json(body);
    }
    log.warn("not ready: {}", reason);
    body.addProperty("status", "unavailable");
    body.addProperty("error", "unavailable");
    body.addProperty("message", reason);
    return Reply.jsonLine(503, body);
  }

  /** Why the store is not ready, or null when it answered. */
  private String unready() {
    CompletableFuture<Void> ping = ping();
    try {
      ping.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return null;
    } catch (TimeoutException e) {
      return "the " + store.name() + " store did not answer within " + timeout.toMillis() + " ms";
    } catch (ExecutionException e) {
      return "the " + store.name() + " store failed: " + e.getCause().getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while waiting for the store";
    }
  }

  private synchronized CompletableFuture<Void> ping() {
    if (inFlight == null || inFlight.isDone()) {
      inFlight = CompletableFuture.runAsync(store::ping, pinger);
    }
    return inFlight;
  }

  @Override
  public void close() {
    pinger.shutdownNow();
  }
}
