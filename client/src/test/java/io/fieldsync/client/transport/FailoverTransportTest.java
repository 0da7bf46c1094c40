package io.fieldsync.client.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.AuthException;
import io.fieldsync.ProtocolException;
import io.fieldsync.TransportException;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.RecordsRequest;
import io.fieldsync.wire.RecordsResponse;
import io.fieldsync.wire.SchemaResponse;
import io.fieldsync.wire.VerifyRequest;
import io.fieldsync.wire.VerifyResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failover over stub nodes; a device initialized with a server list is shown against a server by
 * the testkit's {@code FailoverInitTest}.
 */
class FailoverTransportTest {

  /** A node that records what it was sent and answers (or fails) as told. */
  static final class Node implements Transport {
    final String name;
    final List<Object> received = new ArrayList<>();
    Supplier<RuntimeException> failure;

    Node(String name) {
      this.name = name;
    }

    private void maybeFail() {
      if (failure != null) {
        throw failure.get();
      }
    }

    @Override
    public SchemaResponse schema() {
      received.add("schema");
      maybeFail();
      return SchemaResponse.newBuilder().setDevice(name).build();
    }

    @Override
    public PushResponse push(PushRequest request) {
      received.add(request);
      maybeFail();
      return PushResponse.newBuilder().setBatchId(request.getBatchId()).build();
    }

    @Override
    public PullResponse pull(PullRequest request) {
      received.add(request);
      maybeFail();
      return PullResponse.newBuilder().setNextCursor(request.getCursor()).build();
    }

    @Override
    public VerifyResponse verify(VerifyRequest request) {
      received.add(request);
      maybeFail();
      return VerifyResponse.newBuilder().setSequence(name.length()).build();
    }

    @Override
    public RecordsResponse records(RecordsRequest request) {
      received.add(request);
      maybeFail();
      return RecordsResponse.newBuilder().setSequence(name.charAt(0)).build();
    }
  }

  private final Node a = new Node("a");
  private final Node b = new Node("b");
  private final Node c = new Node("c");
  private final FailoverTransport transport =
      new FailoverTransport(List.of(a, b, c), List.of("http://a", "http://b", "http://c"));

  @Test
  void unreachableNodeIsSkippedWithTheSameRequestAndTheNextOneStaysCurrent() {
    a.failure = () -> new TransportException("POST http://a/v1/push failed: refused");
    PushRequest push = PushRequest.newBuilder().setBatchId("batch-1").build();

    assertThat(transport.push(push).getBatchId()).isEqualTo("batch-1");

    assertThat(a.received).containsExactly(push);
    assertThat(b.received).singleElement().isSameAs(push);
    assertThat(c.received).isEmpty();
    assertThat(transport.current()).isEqualTo(1);
    PullRequest pull = PullRequest.newBuilder().setCursor(7).build();
    assertThat(transport.pull(pull).getNextCursor()).isEqualTo(7);
    assertThat(a.received).hasSize(1);
    assertThat(b.received).containsExactly(push, pull);
  }

  /** The repair after a schema move verifies and fetches records through the failover too. */
  @Test
  void verifyAndRecordsGoToTheNextNodeWhenOneIsUnreachable() {
    a.failure = () -> new TransportException("POST http://a/v1/verify failed: refused");
    VerifyRequest verify = VerifyRequest.newBuilder().build();
    RecordsRequest records = RecordsRequest.newBuilder().setTable("households").build();

    transport.verify(verify);
    assertThat(transport.records(records).getSequence()).isEqualTo('b');

    assertThat(a.received).containsExactly(verify);
    assertThat(b.received).containsExactly(verify, records);
    assertThat(transport.current()).isEqualTo(1);
  }

  @Test
  void afterTheLastNodeItWrapsAroundToTheFirst() {
    a.failure = () -> new TransportException("down");
    transport.schema(); // moves to b
    a.failure = null;
    b.failure = () -> new TransportException("b down");
    c.failure = () -> new TransportException("c down");

    assertThat(transport.schema().getDevice()).isEqualTo("a");
    assertThat(transport.current()).isZero();
    assertThat(b.received).hasSize(2);
    assertThat(c.received).hasSize(1);
  }

  @Test
  void whenEveryNodeFailsTheErrorNamesThemAllAndStaysRetriable() {
    a.failure = () -> new TransportException("a refused");
    b.failure = () -> new TransportException("b refused");
    c.failure = () -> new TransportException("c refused");

    assertThatThrownBy(() -> transport.pull(PullRequest.newBuilder().setCursor(3).build()))
        .isInstanceOf(TransportException.class)
        .hasMessage("pull from cursor 3 failed on every server node (http://a, http://b, http://c)")
        .satisfies(
            e -> {
              assertThat(((TransportException) e).isRetriable()).isTrue();
              assertThat(e.getCause()).hasMessage("a refused");
              assertThat(e.getSuppressed())
                  .extracting(Throwable::getMessage)
                  .containsExactly("b refused", "c refused");
            });
    assertThat(transport.current()).isZero();
  }

  @Test
  void refusalsAnotherNodeWouldRepeatAreThrownAtOnce() {
    a.failure = () -> new AuthException("GET http://a/v1/schema returned 401: token expired");
    assertThatThrownBy(transport::schema)
        .isInstanceOf(AuthException.class)
        .hasMessage("GET http://a/v1/schema returned 401: token expired");
    a.failure = () -> new ProtocolException("POST http://a/v1/push returned 400: bad batch");
    assertThatThrownBy(() -> transport.push(PushRequest.getDefaultInstance()))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("POST http://a/v1/push returned 400: bad batch");
    assertThat(b.received).isEmpty();
    assertThat(c.received).isEmpty();
  }

  @Test
  void constructorRefusesNoNodesAndMismatchedNames() {
    assertThatThrownBy(() -> new FailoverTransport(List.of(), List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a failover transport needs at least one node");
    assertThatThrownBy(() -> new FailoverTransport(List.of(a, b), List.of("http://a")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("2 nodes but 1 names; give one name per node");
  }

  @Test
  void builderRefusesAnEmptyServerList(@TempDir Path dir) {
    assertThatThrownBy(() -> FieldSyncClient.builder(dir.resolve("d.db")).servers(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("servers needs at least one server URL");
  }
}
