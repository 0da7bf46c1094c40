package io.fieldsync.client.transport;

import io.fieldsync.TransportException;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.RecordsRequest;
import io.fieldsync.wire.RecordsResponse;
import io.fieldsync.wire.SchemaResponse;
import io.fieldsync.wire.VerifyRequest;
import io.fieldsync.wire.VerifyResponse;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Several server nodes of one deployment (stateless nodes on one database) as one transport: each
 * call goes to the current node; when that node cannot be reached ({@link TransportException},
 * retriable), the same call is made on the next node, and the node that answered becomes the
 * current one. Failures that another node would answer the same way ({@link
 * io.fieldsync.AuthException}, {@link io.fieldsync.ProtocolException}) are thrown at once.
 *
 * <p>A push is forwarded as the very request object it was given, so a batch retried on another
 * node carries the same batch id and bytes; the server records batch outcomes in the shared
 * database, so whichever node sees the batch second replays the recorded outcome instead of
 * applying it again. A cursor is a per-tenant sequence of the shared database, valid on every node.
 *
 * <p>Safe to call from one thread at a time, like every {@link Transport}.
 */
public final class FailoverTransport implements Transport {
  private final List<Transport> nodes;
  private final List<String> names;
  private volatile int current;

  /**
   * @param nodes the nodes' transports, in the order they are tried first
   * @param names a name per node for messages (its URL)
   */
  public FailoverTransport(List<? extends Transport> nodes, List<String> names) {
    Objects.requireNonNull(nodes, "nodes");
    Objects.requireNonNull(names, "names");
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException("a failover transport needs at least one node");
    }
    if (nodes.size() != names.size()) {
      throw new IllegalArgumentException(
          nodes.size() + " nodes but " + names.size() + " names; give one name per node");
    }
    this.nodes = List.copyOf(nodes);
    this.names = List.copyOf(names);
  }

  /** HTTP to each server URL with the same token and timeouts. */
  public static FailoverTransport http(
      List<URI> servers, String token, Duration connectTimeout, Duration requestTimeout) {
    List<Transport> nodes = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (URI server : servers) {
      nodes.add(new HttpTransport(server, token, connectTimeout, requestTimeout));
      names.add(server.toString());
    }
    return new FailoverTransport(nodes, names);
  }

  /** The index of the node calls go to first. */
  public int current() {
    return current;
  }

  @Override
  public SchemaResponse schema() {
    return call("schema", Transport::schema);
  }

  @Override
  public PushResponse push(PushRequest request) {
    return call("push of batch " + request.getBatchId(), node -> node.push(request));
  }

  @Override
  public PushResponse push(EncodedPush push) {
    return call("push of batch " + push.request().getBatchId(), node -> node.push(push));
  }

  @Override
  public PullResponse pull(PullRequest request) {
    return call("pull from cursor " + request.getCursor(), node -> node.pull(request));
  }

  @Override
  public PullResponse pullPacked(PullRequest request) {
    return call("pull from cursor " + request.getCursor(), node -> node.pullPacked(request));
  }

  @Override
  public VerifyResponse verify(VerifyRequest request) {
    return call("verify", node -> node.verify(request));
  }

  @Override
  public RecordsResponse records(RecordsRequest request) {
    return call("records of '" + request.getTable() + "'", node -> node.records(request));
  }

  private <T> T call(String what, Function<Transport, T> call) {
    int first = current;
    TransportException failure = null;
    for (int attempt = 0; attempt < nodes.size(); attempt++) {
      int index = (first + attempt) % nodes.size();
      try {
        T result = call.apply(nodes.get(index));
        current = index;
        return result;
      } catch (TransportException e) {
        if (failure == null) {
          failure =
              new TransportException(
                  what + " failed on every server node (" + String.join(", ", names) + ")", e);
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    throw failure;
  }
}
