package io.fieldsync.client.transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One HTTP proxy for every URL (Android has no {@code ProxySelector.of}). Its host name is resolved
 * when a connection is made, not when it is given. Immutable and thread-safe.
 */
public final class HttpProxy extends ProxySelector {
  private final Proxy proxy;

  private HttpProxy(Proxy proxy) {
    this.proxy = proxy;
  }

  /**
   * The HTTP proxy at {@code host:port}.
   *
   * @throws IllegalArgumentException naming the port when it is not 1 to 65535
   */
  public static HttpProxy at(String host, int port) {
    Objects.requireNonNull(host, "host");
    if (host.isEmpty()) {
      throw new IllegalArgumentException("the proxy's host is empty; give a host name or address");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("the proxy's port is " + port + "; give 1 to 65535");
    }
    return new HttpProxy(
        new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(host, port)));
  }

  @Override
  public List<Proxy> select(URI uri) {
    return Collections.singletonList(proxy);
  }

  @Override
  public void connectFailed(URI uri, SocketAddress address, IOException failure) {
    // One proxy and no other route: the failure reaches the caller as the request's.
  }

  @Override
  public String toString() {
    return "HttpProxy[" + proxy.address() + "]";
  }
}
