package io.fieldsync.client.transport;

/**
 * An open live channel ({@code GET /v1/live}): the server pokes the device when its tenant's
 * sequence advances. See {@link Transport#live}.
 */
public interface LiveSocket extends AutoCloseable {

  /** Hears the channel; called on the transport's threads, must return quickly. */
  interface Listener {
    /** The server's sequence advanced to {@code sequence} (or is there, right after connecting). */
    void poked(long sequence);

    /** The channel closed or failed; {@code reason} says why. Called at most once. */
    void closed(String reason);
  }

  /** Sends a ping so idle connections stay open through proxies and the server's idle timeout. */
  void ping();

  boolean isOpen();

  /** Closes the channel; idempotent, never throws. */
  @Override
  void close();
}
