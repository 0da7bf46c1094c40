package io.fieldsync.live;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An HTTP proxy on 127.0.0.1 that records the request line of every request it forwards: plain HTTP
 * requests in absolute form ({@code GET http://host:port/path HTTP/1.1}, one by one, a WebSocket
 * upgrade included) and {@code CONNECT host:port} tunnels. Whatever host a request names, the proxy
 * connects to that port on 127.0.0.1, so a client can only reach a server by a name that does not
 * resolve ({@code fieldsync.test}) through it.
 */
final class TestProxy implements AutoCloseable {
  private final ServerSocket listening;
  private final List<String> requestLines = new CopyOnWriteArrayList<>();
  private final List<Socket> open = new CopyOnWriteArrayList<>();

  private TestProxy(ServerSocket listening) {
    this.listening = listening;
  }

  static TestProxy start() throws IOException {
    ServerSocket socket = new ServerSocket();
    socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    TestProxy proxy = new TestProxy(socket);
    daemon("test-proxy", proxy::accept);
    return proxy;
  }

  int port() {
    return listening.getLocalPort();
  }

  /** The request lines forwarded so far, in order. */
  List<String> requestLines() {
    return List.copyOf(requestLines);
  }

  private void accept() {
    while (!listening.isClosed()) {
      try {
        Socket client = listening.accept();
        open.add(client);
        daemon("test-proxy-connection", () -> serve(client));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket client) {
    try (client) {
      InputStream in = client.getInputStream();
      String head = readHead(in);
      if (head == null) {
        return;
      }
      String line = head.substring(0, head.indexOf("\r\n"));
      requestLines.add(line);
      String[] parts = line.split(" ");
      if (parts[0].equals("CONNECT")) {
        int port = Integer.parseInt(parts[1].substring(parts[1].lastIndexOf(':') + 1));
        try (Socket upstream = connect(port)) {
          client
              .getOutputStream()
              .write(
                  "HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.UTF_8));
          pipeBothWays(client, in, upstream);
        }
        return;
      }
      try (Socket upstream = connect(URI.create(parts[1]).getPort())) {
        daemon("test-proxy-answers", () -> copy(upstream, client));
        OutputStream out = upstream.getOutputStream();
        while (head != null) {
          out.write(head.getBytes(StandardCharsets.ISO_8859_1));
          if (head.toLowerCase(Locale.ROOT).contains("\r\nupgrade:")) {
            in.transferTo(out); // a WebSocket: frames from here on
            return;
          }
          out.write(in.readNBytes(contentLength(head)));
          out.flush();
          head = readHead(in);
          if (head != null) {
            requestLines.add(head.substring(0, head.indexOf("\r\n")));
          }
        }
      }
    } catch (IOException e) {
      // A connection the client or the server closed: the test checks what was forwarded.
    }
  }

  private static Socket connect(int port) throws IOException {
    return new Socket(InetAddress.getLoopbackAddress(), port);
  }

  private static void pipeBothWays(Socket client, InputStream in, Socket upstream)
      throws IOException {
    daemon("test-proxy-tunnel", () -> copy(upstream, client));
    in.transferTo(upstream.getOutputStream());
  }

  private static void copy(Socket from, Socket to) {
    try {
      from.getInputStream().transferTo(to.getOutputStream());
      to.shutdownOutput();
    } catch (IOException e) {
      // One side closed.
    }
  }

  /** A request's head through its blank line, or null at the end of the stream. */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    int next;
    while ((next = in.read()) != -1) {
      head.write(next);
      matched = next == "\r\n\r\n".charAt(matched) ? matched + 1 : next == '\r' ? 1 : 0;
      if (matched == 4) {
        return head.toString(StandardCharsets.ISO_8859_1);
      }
    }
    return null;
  }

  private static int contentLength(String head) {
    for (String header : head.split("\r\n")) {
      int colon = header.indexOf(':');
      if (colon > 0 && header.substring(0, colon).trim().equalsIgnoreCase("Content-Length")) {
        return Integer.parseInt(header.substring(colon + 1).trim());
      }
    }
    return 0;
  }

  private static void daemon(String name, Runnable task) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void close() throws IOException {
    listening.close();
    for (Socket socket : open) {
      socket.close();
    }
  }
}
