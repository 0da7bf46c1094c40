package io.fieldsync.client.internal.apply;

import io.fieldsync.TransportException;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Fetches the next pull page on a background thread while the caller applies the current one, so
 * the network and the server's work overlap with the local write. At most one request is ahead, and
 * the transport is never called from two threads at once: the caller only asks for a page after the
 * one ahead has been taken. Nothing is applied here; the cursor still advances only with a
 * committed page, and an abandoned page ahead is simply dropped.
 *
 * <p>Not thread-safe: one pull loop owns it. {@link #close} cancels a request still ahead.
 */
public final class PageAhead<T> implements AutoCloseable {
  private final Transport transport;
  private final Function<PullRequest, T> fetch;
  private ExecutorService executor;
  private PullRequest aheadRequest;
  private Future<T> ahead;

  /** Pages as {@link Transport#pull} answers them. */
  public static PageAhead<PullResponse> of(Transport transport) {
    return new PageAhead<>(transport, transport::pull);
  }

  /**
   * @param fetch asks {@code transport} for a page and reads it; runs on the thread ahead
   */
  public PageAhead(Transport transport, Function<PullRequest, T> fetch) {
    this.transport = transport;
    this.fetch = fetch;
  }

  /**
   * Starts fetching {@code request} in the background; with a transport that must be called on the
   * cycle's thread ({@link Transport#callerThreadOnly()}), nothing is fetched until {@link #take}.
   */
  public void prefetch(PullRequest request) {
    if (ahead != null) {
      throw new IllegalStateException("a page is already being fetched ahead");
    }
    if (transport.callerThreadOnly()) {
      return;
    }
    if (executor == null) {
      executor =
          Executors.newSingleThreadExecutor(
              task -> {
                Thread thread = new Thread(task, "fieldsync-pull-ahead");
                thread.setDaemon(true);
                return thread;
              });
    }
    aheadRequest = request;
    ahead = executor.submit(() -> fetch.apply(request));
  }

  /**
   * The page for {@code request}: the one fetched ahead when it was for this request, else fetched
   * now. A failure of the fetch ahead is thrown here, as if the request had been made now.
   */
  public T take(PullRequest request) {
    Future<T> pending = ahead;
    boolean match = pending != null && request.equals(aheadRequest);
    ahead = null;
    aheadRequest = null;
    if (pending == null) {
      return fetch.apply(request);
    }
    if (!match) {
      pending.cancel(true);
      return fetch.apply(request);
    }
    try {
      return pending.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw new TransportException("pull from cursor " + request.getCursor() + " failed", cause);
    } catch (InterruptedException e) {
      pending.cancel(true);
      Thread.currentThread().interrupt();
      throw new TransportException(
          "interrupted while waiting for the pull page from cursor " + request.getCursor(), e);
    }
  }

  /**
   * Cancels a fetch still ahead and waits until it has ended (an interrupt aborts an HTTP request
   * at once), so no call of this loop can overlap the transport's next caller.
   */
  @Override
  public void close() {
    if (ahead != null) {
      ahead.cancel(true);
      ahead = null;
      aheadRequest = null;
    }
    if (executor != null) {
      executor.shutdownNow();
      boolean interrupted = false;
      while (true) {
        try {
          if (executor.awaitTermination(1, TimeUnit.MINUTES)) {
            break;
          }
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      executor = null;
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
