package io.fieldsync.live;

import io.fieldsync.TransportException;
import io.fieldsync.client.transport.LiveSocket;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.RecordsRequest;
import io.fieldsync.wire.RecordsResponse;
import io.fieldsync.wire.SchemaResponse;
import io.fieldsync.wire.VerifyRequest;
import io.fieldsync.wire.VerifyResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records the pulls it forwards, fails every pull after the first {@code pullsAllowed}, and runs
 * {@code beforeRecords} before forwarding a records request (verify's repair fetch).
 */
final class CountingTransport implements Transport {
  private final Transport delegate;
  final List<PullRequest> pulls = new CopyOnWriteArrayList<>();
  volatile int pullsAllowed = Integer.MAX_VALUE;
  volatile Runnable beforeRecords = () -> {};

  CountingTransport(Transport delegate) {
    this.delegate = delegate;
  }

  @Override
  public SchemaResponse schema() {
    return delegate.schema();
  }

  @Override
  public PushResponse push(PushRequest request) {
    return delegate.push(request);
  }

  @Override
  public PullResponse pull(PullRequest request) {
    if (pulls.size() >= pullsAllowed) {
      throw new TransportException(
          "fault: pull from cursor " + request.getCursor() + " cut after " + pullsAllowed);
    }
    pulls.add(request);
    return delegate.pull(request);
  }

  @Override
  public void health() {
    delegate.health();
  }

  @Override
  public VerifyResponse verify(VerifyRequest request) {
    return delegate.verify(request);
  }

  @Override
  public RecordsResponse records(RecordsRequest request) {
    beforeRecords.run();
    return delegate.records(request);
  }

  @Override
  public LiveSocket live(LiveSocket.Listener listener) {
    return delegate.live(listener);
  }
}
