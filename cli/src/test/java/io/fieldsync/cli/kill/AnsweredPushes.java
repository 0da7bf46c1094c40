package io.fieldsync.cli.kill;

import io.fieldsync.client.transport.EncodedPush;
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
import java.util.Set;
import java.util.TreeSet;

/** A device's transport that notes the id of every batch a push had an answer for. */
final class AnsweredPushes implements Transport {
  private final Transport delegate;
  private final Set<String> answered = new TreeSet<>();

  AnsweredPushes(Transport delegate) {
    this.delegate = delegate;
  }

  /** The batch ids answered so far. */
  synchronized Set<String> answered() {
    return Set.copyOf(answered);
  }

  private synchronized PushResponse noted(PushRequest request, PushResponse response) {
    answered.add(request.getBatchId());
    return response;
  }

  @Override
  public SchemaResponse schema() {
    return delegate.schema();
  }

  @Override
  public PushResponse push(PushRequest request) {
    return noted(request, delegate.push(request));
  }

  @Override
  public PushResponse push(EncodedPush push) {
    return noted(push.request(), delegate.push(push));
  }

  @Override
  public PullResponse pull(PullRequest request) {
    return delegate.pull(request);
  }

  @Override
  public boolean callerThreadOnly() {
    return delegate.callerThreadOnly();
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
    return delegate.records(request);
  }

  @Override
  public LiveSocket live(LiveSocket.Listener listener) {
    return delegate.live(listener);
  }
}
