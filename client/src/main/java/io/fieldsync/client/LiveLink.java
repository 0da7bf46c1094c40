package io.fieldsync.client;

import io.fieldsync.client.transport.LiveSocket;
import io.fieldsync.client.transport.Transport;

/**
 * The worker's live channel: opened while the server answers, dropped when it stops answering,
 * closed for good when the worker stops. A transport without a live channel is remembered as such,
 * so the worker stops asking. Thread-safe.
 */
final class LiveLink {
  /** Stands for "this transport has no live channel". */
  private static final LiveSocket NONE =
      new LiveSocket() {
        @Override
        public void ping() {}

        @Override
        public boolean isOpen() {
          return true;
        }

        @Override
        public void close() {}
      };

  private final Transport transport;
  private final LiveSocket.Listener listener;
  private LiveSocket socket;
  private boolean stopped;

  LiveLink(Transport transport, LiveSocket.Listener listener) {
    this.transport = transport;
    this.listener = listener;
  }

  /** Whether a channel is open, or the transport has none (nothing to open). */
  synchronized boolean isOpen() {
    return socket != null && socket.isOpen();
  }

  /**
   * Opens the channel.
   *
   * @return whether a real channel is open now (false when the transport has none or the link was
   *     stopped meanwhile)
   * @throws io.fieldsync.SyncException as {@link Transport#live} does
   */
  boolean open() {
    LiveSocket opened = transport.live(listener);
    synchronized (this) {
      if (stopped) {
        if (opened != null) {
          opened.close();
        }
        return false;
      }
      socket = opened == null ? NONE : opened;
      return opened != null;
    }
  }

  synchronized void ping() {
    if (socket != null) {
      socket.ping();
    }
  }

  /** Closes the channel; a later {@link #open} makes a new one. */
  synchronized void drop() {
    if (socket != null) {
      socket.close();
      socket = null;
    }
  }

  /** Closes the channel for good. */
  synchronized void stop() {
    stopped = true;
    drop();
  }
}
