package io.fieldsync.testkit;

import io.fieldsync.TransportException;
import io.fieldsync.client.transport.HttpTransport;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.SchemaResponse;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * A {@link Transport} that wraps a real one and misbehaves on purpose, by a seeded plan, the way
 * networks do: the response of a request the server has already committed is lost, a request never
 * leaves the device, a push arrives twice, a call is slow.
 *
 * <p>Faults come from a script first ({@link #script}: the next calls, in order), then from seeded
 * random draws with per-fault rates. The schema call is never faulted (it changes nothing). Every
 * call is recorded in {@link #events()}, so a failing test can print what the network did.
 *
 * <p>Safe for one caller thread at a time, like every transport.
 */
public final class FaultyTransport implements Transport {

  /** What happens to one call. */
  public enum Fault {
    /** Forwarded untouched. */
    NONE,
    /** Throws {@link TransportException} without sending: the server sees nothing. */
    FAIL_BEFORE_SEND,
    /** Forwarded (the server commits), then throws {@link TransportException}: reply lost. */
    DROP_RESPONSE,
    /** Forwarded twice, the second answer returned: the server receives a duplicate. */
    DUPLICATE,
    /** Waits the configured delay, then forwards. */
    DELAY
  }

  /** One call as it happened. */
  public record Event(int call, String operation, Fault fault) {
    public Event {
      Objects.requireNonNull(operation, "operation");
      Objects.requireNonNull(fault, "fault");
    }
  }

  private final Transport delegate;
  private final SplittableRandom random;
  private final Map<Fault, Double> rates = new EnumMap<>(Fault.class);
  private final Deque<Fault> script = new ArrayDeque<>();
  private final List<Event> events = Collections.synchronizedList(new ArrayList<>());
  private Duration delay = Duration.ofMillis(20);
  private volatile boolean enabled = true;
  private int calls;

  /**
   * @param delegate the transport that really talks to the server
   * @param seed seeds the random fault draws
   */
  public FaultyTransport(Transport delegate, long seed) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.random = new SplittableRandom(seed);
  }

  /** A faulty transport over HTTP to {@code server} with {@code token}. */
  public static FaultyTransport http(URI server, String token, long seed) {
    return new FaultyTransport(
        new HttpTransport(server, token, Duration.ofSeconds(5), Duration.ofSeconds(30)), seed);
  }

  /** Each push or pull call suffers {@code fault} with this probability (draws are seeded). */
  public FaultyTransport rate(Fault fault, double probability) {
    if (fault == Fault.NONE) {
      throw new IllegalArgumentException("NONE has no rate; it is what remains");
    }
    if (probability < 0 || probability > 1) {
      throw new IllegalArgumentException(
          "probability of " + fault + " must be in [0, 1], found " + probability);
    }
    rates.put(fault, probability);
    double total = rates.values().stream().mapToDouble(Double::doubleValue).sum();
    if (total > 1) {
      throw new IllegalArgumentException("fault probabilities add up to " + total + " > 1");
    }
    return this;
  }

  /** How long {@link Fault#DELAY} waits (default 20 ms). */
  public FaultyTransport delay(Duration delay) {
    this.delay = Objects.requireNonNull(delay, "delay");
    return this;
  }

  /** The next push or pull calls get these faults, in order, before any random draw. */
  public synchronized FaultyTransport script(Fault... faults) {
    script.addAll(List.of(faults));
    return this;
  }

  /** Turns fault injection on or off (off: every call is forwarded untouched, still recorded). */
  public FaultyTransport enabled(boolean enabled) {
    this.enabled = enabled;
    return this;
  }

  /** Every push and pull call so far, in order. */
  public List<Event> events() {
    synchronized (events) {
      return List.copyOf(events);
    }
  }

  /** How many calls suffered {@code fault}. */
  public long count(Fault fault) {
    return events().stream().filter(event -> event.fault() == fault).count();
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
  public PullResponse pull(PullRequest request) {
    return call("pull", () -> delegate.pull(request));
  }

  private <T> T call(String operation, Supplier<T> send) {
    Fault fault = next();
    int call;
    synchronized (this) {
      call = ++calls;
    }
    events.add(new Event(call, operation, fault));
    switch (fault) {
      case FAIL_BEFORE_SEND ->
          throw new TransportException(
              "injected fault: " + operation + " call " + call + " failed before sending");
      case DROP_RESPONSE -> {
        send.get();
        throw new TransportException(
            "injected fault: the response to "
                + operation
                + " call "
                + call
                + " was lost after the server answered");
      }
      case DUPLICATE -> {
        send.get();
        return send.get();
      }
      case DELAY -> {
        try {
          Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new TransportException("interrupted while delaying " + operation, e);
        }
        return send.get();
      }
      default -> {
        return send.get();
      }
    }
  }

  private synchronized Fault next() {
    if (!enabled) {
      return Fault.NONE;
    }
    Fault scripted = script.poll();
    if (scripted != null) {
      return scripted;
    }
    double draw = random.nextDouble();
    for (Map.Entry<Fault, Double> rate : rates.entrySet()) {
      draw -= rate.getValue();
      if (draw < 0) {
        return rate.getKey();
      }
    }
    return Fault.NONE;
  }
}
