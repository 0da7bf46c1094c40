package io.fieldsync.bench.load;

import io.fieldsync.TransportException;
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
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The network between the load run's devices and the server nodes: every push and pull through a
 * {@link #wrap wrapped} transport suffers a seeded random fault at the run's rate, split evenly
 * between a request that never leaves, a response lost after the server committed, a request
 * delivered twice and a delayed request. Counts every fault it injects; {@link #heal()} turns them
 * all off for the end of the run.
 *
 * <p>Thread-safe: one network serves every device.
 */
final class FlakyNetwork {
  /** What the network did to one call. */
  enum Fault {
    REQUEST_DROPPED("request dropped before sending"),
    RESPONSE_LOST("response lost after the server answered"),
    DUPLICATED("request delivered twice"),
    DELAYED("request delayed");

    final String words;

    Fault(String words) {
      this.words = words;
    }
  }

  private final double rate;
  private final long delayMillis;
  private final Map<Fault, LongAdder> injected = new ConcurrentHashMap<>();
  private volatile boolean healed;

  /**
   * @param rate the probability that a push or pull suffers a fault (split evenly between kinds)
   * @param delayMillis how long a delayed request waits
   */
  FlakyNetwork(double rate, long delayMillis) {
    if (rate < 0 || rate > 1) {
      throw new IllegalArgumentException("fault rate must be in [0, 1], found " + rate);
    }
    this.rate = rate;
    this.delayMillis = delayMillis;
    for (Fault fault : Fault.values()) {
      injected.put(fault, new LongAdder());
    }
  }

  /** From now on every call goes through untouched. */
  void heal() {
    healed = true;
  }

  boolean healed() {
    return healed;
  }

  /** Faults injected so far, by kind. */
  Map<Fault, Long> injected() {
    Map<Fault, Long> counts = new java.util.EnumMap<>(Fault.class);
    injected.forEach((fault, count) -> counts.put(fault, count.sum()));
    return counts;
  }

  /** {@code delegate} behind this network; {@code seed} draws its faults. */
  Transport wrap(Transport delegate, long seed) {
    return new Flaky(delegate, new SplittableRandom(seed));
  }

  private final class Flaky implements Transport {
    private final Transport delegate;
    private final SplittableRandom random;

    Flaky(Transport delegate, SplittableRandom random) {
      this.delegate = delegate;
      this.random = random;
    }

    @Override
    public SchemaResponse schema() {
      return delegate.schema();
    }

    @Override
    public PushResponse push(PushRequest request) {
      return call("push", () -> delegate.push(request));
    }

    @Override
    public PushResponse push(EncodedPush push) {
      return call("push", () -> delegate.push(push));
    }

    @Override
    public PullResponse pull(PullRequest request) {
      return call("pull", () -> delegate.pull(request));
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

    private <T> T call(String operation, Supplier<T> send) {
      Fault fault = draw();
      if (fault == null) {
        return send.get();
      }
      injected.get(fault).increment();
      switch (fault) {
        case REQUEST_DROPPED -> throw new InjectedFault(operation, fault);
        case RESPONSE_LOST -> {
          send.get();
          throw new InjectedFault(operation, fault);
        }
        case DUPLICATED -> {
          send.get();
          return send.get();
        }
        default -> {
          try {
            Thread.sleep(delayMillis);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException("interrupted while delaying a " + operation, e);
          }
          return send.get();
        }
      }
    }

    private Fault draw() {
      if (healed || rate == 0) {
        return null;
      }
      double value;
      synchronized (random) {
        value = random.nextDouble();
      }
      if (value >= rate) {
        return null;
      }
      Fault[] faults = Fault.values();
      return faults[(int) (value / rate * faults.length)];
    }
  }

  /** A fault the network injected (retriable, like the network failure it stands for). */
  static final class InjectedFault extends TransportException {
    private static final long serialVersionUID = 1L;

    InjectedFault(String operation, Fault fault) {
      super("injected fault: " + operation + " " + fault.words);
    }
  }
}
