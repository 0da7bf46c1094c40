package io.fieldsync.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.TransportException;

/**
 * A device pulling in pages of its own size, over a network that may cut its pulls after a number
 * of them; its database is closed and reopened at times, as a device that loses power would.
 */
final class PagedReader {
  final String name;
  final int pageSize;
  private final TestServer server;
  TestDevice device;

  /** A new device whose network pulls at most {@code allowedPulls} ({@code <= 0}: no cut). */
  PagedReader(TestServer server, String name, int pageSize, int allowedPulls) {
    this.server = server;
    this.name = name;
    this.pageSize = pageSize;
    int allowed = allowedPulls > 0 ? allowedPulls : Integer.MAX_VALUE;
    this.device =
        server.device(
            name,
            builder -> builder.transport(network(server, name, allowed)).pullPageSize(pageSize));
  }

  /** Closes the database and opens it again, with a network that pulls at most {@code allowed}. */
  void reopen(int allowed) {
    device.close();
    device =
        server.open(
            name,
            builder -> builder.transport(network(server, name, allowed)).pullPageSize(pageSize));
  }

  /** A sync whose pulls are cut after {@code allowed}, then a reopen on a working network. */
  boolean syncCut(int allowed) {
    reopen(allowed);
    boolean cut = syncAllowingCut(device);
    reopen(Integer.MAX_VALUE);
    return cut;
  }

  /** A network to node 0 that cuts the device's pulls after {@code allowed}. */
  static FaultyTransport network(TestServer server, String device, int allowed) {
    return new FaultyTransport(server.http(0, server.token(device))).cutPullsAfter(allowed);
  }

  /** One sync; true when a cut ({@link FaultyTransport#cutPullsAfter}) ended it. */
  static boolean syncAllowingCut(TestDevice device) {
    try {
      device.sync();
      return false;
    } catch (TransportException e) {
      assertThat(e.getMessage()).startsWith("injected fault: pull ");
      return true;
    }
  }
}
