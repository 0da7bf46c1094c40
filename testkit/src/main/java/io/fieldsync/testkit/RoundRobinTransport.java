package io.fieldsync.testkit;

import io.fieldsync.client.transport.Transport;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.SchemaResponse;
import java.util.List;

/** Sends each call to the next node in turn, so one device talks to every node. */
final class RoundRobinTransport implements Transport {
  private final List<Transport> nodes;
  private int next;

  RoundRobinTransport(List<Transport> nodes, int first) {
    this.nodes = List.copyOf(nodes);
    this.next = first;
  }

  private Transport node() {
    Transport node = nodes.get(Math.floorMod(next, nodes.size()));
    next++;
    return node;
  }

  @Override
  public SchemaResponse schema() {
    return node().schema();
  }

  @Override
  public PushResponse push(PushRequest request) {
    return node().push(request);
  }

  @Override
  public PullResponse pull(PullRequest request) {
    return node().pull(request);
  }
}
