package io.fieldsync.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A byte-counting TCP relay on loopback between devices and the server: every byte of every HTTP
 * request and response (status lines, headers and bodies) passes through it and is counted per
 * direction. Devices are pointed at {@link #uri()} instead of the server.
 */
final class WireMeter implements AutoCloseable {
  private final ServerSocket listener;
  private final InetSocketAddress target;
  private final AtomicLong upstream = new AtomicLong();
  private final AtomicLong downstream = new AtomicLong();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final Thread acceptor;
  private volatile boolean closed;

  WireMeter(URI server) throws IOException {
    this.target = new InetSocketAddress(server.getHost(), server.getPort());
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.acceptor = new Thread(this::accept, "wire-meter-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + listener.getLocalPort());
  }

  /** Bytes sent by devices so far (requests). */
  long up() {
    return upstream.get();
  }

  /** Bytes sent by the server so far (responses). */
  long down() {
    return downstream.get();
  }

  private void accept() {
    while (!closed) {
      try {
        Socket device = listener.accept();
        device.setTcpNoDelay(true);
        Socket server = new Socket();
        server.setTcpNoDelay(true);
        server.connect(target, 5_000);
        sockets.add(device);
        sockets.add(server);
        relay(device, server, upstream, "up");
        relay(server, device, downstream, "down");
      } catch (IOException e) {
        if (!closed) {
          System.err.println("wire meter: " + e);
        }
      }
    }
  }

  private static void relay(Socket from, Socket to, AtomicLong counter, String name) {
    Thread thread =
        new Thread(
            () -> {
              byte[] buffer = new byte[64 * 1024];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                  // Counted before forwarding, so a caller that has its answer sees every byte.
                  counter.addAndGet(read);
                  out.write(buffer, 0, read);
                  out.flush();
                }
              } catch (IOException e) {
                // The other side closed: the connection is over.
              } finally {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "wire-meter-" + name);
    thread.setDaemon(true);
    thread.start();
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      listener.close();
    } catch (IOException e) {
      // already closed
    }
    sockets.forEach(WireMeter::closeQuietly);
  }
}
