package io.fieldsync.testkit;

import io.fieldsync.TransportException;
import io.fieldsync.client.transport.EncodedPush;
import io.fieldsync.client.transport.LiveSocket;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.SchemaResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An uplink's wire to its upstream that a test can cut (every call fails as an unreachable server
 * does) and restore, and whose next pushes can lose their answers after the upstream committed
 * them.
 */
final class CuttableTransport implements Transport {
  private final Transport delegate;
  private final AtomicBoolean cut = new AtomicBoolean();
  private final AtomicInteger answersToLose = new AtomicInteger();
  private final AtomicInteger pushesToRefuse = new AtomicInteger();
  private final AtomicInteger pushesDelivered = new AtomicInteger();
  private final AtomicReference<Runnable> beforeNextPull = new AtomicReference<>();
  private final List<PullRequest> pulls = new CopyOnWriteArrayList<>();

  CuttableTransport(Transport delegate) {
    this.delegate = delegate;
  }

  void cut(boolean cut) {
    this.cut.set(cut);
  }

  /**
   * The next push reaches the upstream, which commits it, but its answer is lost, and the wire is
   * cut from then on: the regional server cannot learn the outcome before a restart.
   */
  void loseNextAnswerThenCut() {
    answersToLose.set(1);
  }

  /** The next push fails before anything is sent, and the wire is cut from then on. */
  void failNextPushThenCut() {
    pushesToRefuse.set(1);
  }

  /** Runs {@code action} on the uplink's thread before its next pull is sent. */
  void beforeNextPull(Runnable action) {
    beforeNextPull.set(action);
  }

  int pushesDelivered() {
    return pushesDelivered.get();
  }

  /** Every pull sent to the upstream, in order. */
  List<PullRequest> pulls() {
    return List.copyOf(pulls);
  }

  private void check(String call) {
    if (cut.get()) {
      throw new TransportException("the test cut the uplink (" + call + ")");
    }
  }

  @Override
  public SchemaResponse schema() {
    check("schema");
    return delegate.schema();
  }

  @Override
  public PushResponse push(PushRequest request) {
    return push(EncodedPush.encode(request));
  }

  @Override
  public PushResponse push(EncodedPush push) {
    check("push");
    if (pushesToRefuse.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
      cut.set(true);
      throw new TransportException("the test failed a push before sending it");
    }
    PushResponse response = delegate.push(push);
    pushesDelivered.incrementAndGet();
    if (answersToLose.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
      cut.set(true);
      throw new TransportException("the test lost the answer to batch " + response.getBatchId());
    }
    return response;
  }

  @Override
  public PullResponse pull(PullRequest request) {
    check("pull");
    Runnable action = beforeNextPull.getAndSet(null);
    if (action != null) {
      action.run();
    }
    pulls.add(request);
    return delegate.pull(request);
  }

  @Override
  public LiveSocket live(LiveSocket.Listener listener) {
    check("live");
    return delegate.live(listener);
  }
}
