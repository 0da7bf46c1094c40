package io.fieldsync.bench;

import io.fieldsync.client.transport.EncodedPush;
import io.fieldsync.client.transport.LiveSocket;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.SchemaResponse;
import java.util.concurrent.atomic.AtomicLong;

/** Counts the HTTP requests a device makes, by kind. */
final class CountingTransport implements Transport {
  private final Transport delegate;
  final AtomicLong schemas = new AtomicLong();
  final AtomicLong pushes = new AtomicLong();
  final AtomicLong pulls = new AtomicLong();

  CountingTransport(Transport delegate) {
    this.delegate = delegate;
  }

  long requests() {
    return schemas.get() + pushes.get() + pulls.get();
  }

  @Override
  public SchemaResponse schema() {
    schemas.incrementAndGet();
    return delegate.schema();
  }

  @Override
  public PushResponse push(PushRequest request) {
    pushes.incrementAndGet();
    return delegate.push(request);
  }

  @Override
  public PushResponse push(EncodedPush push) {
    pushes.incrementAndGet();
    return delegate.push(push);
  }

  @Override
  public PullResponse pull(PullRequest request) {
    pulls.incrementAndGet();
    return delegate.pull(request);
  }

  @Override
  public PullResponse pullPacked(PullRequest request) {
    pulls.incrementAndGet();
    return delegate.pullPacked(request);
  }

  @Override
  public void health() {
    delegate.health();
  }

  @Override
  public LiveSocket live(LiveSocket.Listener listener) {
    return delegate.live(listener);
  }
}
