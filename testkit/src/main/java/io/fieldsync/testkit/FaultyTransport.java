package io.fieldsync.testkit;

import io.fieldsync.TransportException;
import io.fieldsync.client.transport.HttpTransport;
import io.fieldsync.client.transport.LiveSocket;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.Record;
import io.fieldsync.wire.RecordsRequest;
import io.fieldsync.wire.RecordsResponse;
import io.fieldsync.wire.SchemaResponse;
import io.fieldsync.wire.VerifyRequest;
import io.fieldsync.wire.VerifyResponse;
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
 * A {@link Transport} that wraps a real one, misbehaves on purpose the way networks do, and records
 * what went through: the response of a request the server has already committed is lost, a request
 * never leaves the device, a push arrives twice, a call is slow, pulls stop after a number of them.
 *
 * <p>Push and pull faults come from a script first ({@link #script}: the next calls, in order),
 * then from seeded random draws with per-fault rates, for both operations ({@link #rate}) or one
 * ({@link #pushRate}, {@link #pullRate}). A cut ({@link #cutPullsAfter}) fails every pull after the
 * first n. The schema, health, verify and records calls are forwarded untouched; a test may run an
 * action before each push ({@link #beforePush}) or records call ({@link #beforeRecords}).
 *
 * <p>Records every push and pull call ({@link #events()}), the schema responses ({@link
 * #schemas()}), the push requests ({@link #pushes()}), the sequences the answered pushes wrote
 * ({@link #written()}), the pull requests ({@link #pullRequests()}) and what each answered pull
 * returned ({@link #pulls()}), so a test can check and print what the network did.
 *
 * <p>Safe for one caller thread at a time, like every transport; the records may be read from any
 * thread.
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
    DELAY,
    /** A pull past the {@link #cutPullsAfter} limit: throws without sending. */
    CUT
  }

  /** One push or pull call as it happened. */
  public record Event(int call, String operation, Fault fault) {
    public Event {
      Objects.requireNonNull(operation, "operation");
      Objects.requireNonNull(fault, "fault");
    }
  }

  /**
   * One answered pull: the cursor asked from, the record sequences returned, the next cursor, the
   * server clock it carried.
   */
  public record Pull(long cursor, List<Long> sequences, long nextCursor, long serverHlc) {
    public Pull {
      sequences = List.copyOf(sequences);
    }
  }

  private final Transport delegate;
  private final SplittableRandom random;
  private final Map<Fault, Double> pushRates = new EnumMap<>(Fault.class);
  private final Map<Fault, Double> pullRates = new EnumMap<>(Fault.class);
  private final Deque<Fault> script = new ArrayDeque<>();
  private final List<Event> events = Collections.synchronizedList(new ArrayList<>());
  private final List<PushRequest> pushes = Collections.synchronizedList(new ArrayList<>());
  private final List<Long> written = Collections.synchronizedList(new ArrayList<>());
  private final List<String> answered = Collections.synchronizedList(new ArrayList<>());
  private final List<PullRequest> pullRequests = Collections.synchronizedList(new ArrayList<>());
  private final List<Pull> pulls = Collections.synchronizedList(new ArrayList<>());
  private final List<SchemaResponse> schemas = Collections.synchronizedList(new ArrayList<>());
  private Duration delay = Duration.ofMillis(20);
  private volatile boolean enabled = true;
  private volatile int pullsAllowed = Integer.MAX_VALUE;
  private volatile Runnable beforeRecords = () -> {};
  private volatile Runnable beforePush = () -> {};
  private int calls;

  /** Forwards every call untouched and records it, until faults are added. */
  public FaultyTransport(Transport delegate) {
    this(delegate, 0);
  }

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
    return pushRate(fault, probability).pullRate(fault, probability);
  }

  /** Each push call suffers {@code fault} with this probability (draws are seeded). */
  public synchronized FaultyTransport pushRate(Fault fault, double probability) {
    put(pushRates, fault, probability);
    return this;
  }

  /** Each pull call suffers {@code fault} with this probability (draws are seeded). */
  public synchronized FaultyTransport pullRate(Fault fault, double probability) {
    put(pullRates, fault, probability);
    return this;
  }

  private static void put(Map<Fault, Double> rates, Fault fault, double probability) {
    if (fault == Fault.NONE || fault == Fault.CUT) {
      throw new IllegalArgumentException(
          fault + " has no rate; NONE is what remains and CUT comes from cutPullsAfter");
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

  /**
   * Every pull after the first {@code allowed} (counted over this transport's life, cut ones
   * included) fails before sending; {@link Integer#MAX_VALUE} lifts the cut.
   */
  public FaultyTransport cutPullsAfter(int allowed) {
    if (allowed < 0) {
      throw new IllegalArgumentException("allowed pulls must be >= 0, found " + allowed);
    }
    this.pullsAllowed = allowed;
    return this;
  }

  /** Runs {@code action} before each records call (verify's repair fetch) is forwarded. */
  public FaultyTransport beforeRecords(Runnable action) {
    this.beforeRecords = Objects.requireNonNull(action, "action");
    return this;
  }

  /**
   * Runs {@code action} on the caller's thread before each push is sent or faulted (after the
   * device cut and stored its batch): a test writes on the device or holds the push there.
   */
  public FaultyTransport beforePush(Runnable action) {
    this.beforePush = Objects.requireNonNull(action, "action");
    return this;
  }

  /**
   * Turns the scripted and random faults on or off (off: every call is forwarded untouched, still
   * recorded); a cut stays.
   */
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

  /** Every push request the device asked to send, answered or not, in order. */
  public List<PushRequest> pushes() {
    synchronized (pushes) {
      return List.copyOf(pushes);
    }
  }

  /** The sequences the answered pushes wrote (a pull leaves these writes out), in order. */
  public List<Long> written() {
    synchronized (written) {
      return List.copyOf(written);
    }
  }

  /** The batch id of every push that came back with an answer, in order. */
  public List<String> answeredBatches() {
    synchronized (answered) {
      return List.copyOf(answered);
    }
  }

  /** Every pull request the device asked to send, answered, failed or cut, in order. */
  public List<PullRequest> pullRequests() {
    synchronized (pullRequests) {
      return List.copyOf(pullRequests);
    }
  }

  /** Every schema response received, in order. */
  public List<SchemaResponse> schemas() {
    synchronized (schemas) {
      return List.copyOf(schemas);
    }
  }

  /** Every answered pull, in order. */
  public List<Pull> pulls() {
    synchronized (pulls) {
      return List.copyOf(pulls);
    }
  }

  @Override
  public SchemaResponse schema() {
    SchemaResponse response = delegate.schema();
    schemas.add(response);
    return response;
  }

  @Override
  public PushResponse push(PushRequest request) {
    pushes.add(request);
    beforePush.run();
    PushResponse response = call("push", pushRates, () -> delegate.push(request));
    answered.add(request.getBatchId());
    if (response.hasWritten()) {
      for (long seq = response.getWritten().getFirst();
          seq <= response.getWritten().getLast();
          seq++) {
        written.add(seq);
      }
    }
    return response;
  }

  @Override
  public PullResponse pull(PullRequest request) {
    pullRequests.add(request);
    int number = pullRequests.size();
    if (number > pullsAllowed) {
      events.add(new Event(nextCall(), "pull", Fault.CUT));
      throw new TransportException("injected fault: pull " + number + " cut after " + pullsAllowed);
    }
    PullResponse response = call("pull", pullRates, () -> delegate.pull(request));
    List<Long> sequences = new ArrayList<>();
    for (Record record : response.getRecordsList()) {
      sequences.add(record.getSeq());
    }
    pulls.add(
        new Pull(
            request.getCursor(), sequences, response.getNextCursor(), response.getServerHlc()));
    return response;
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

  private synchronized int nextCall() {
    return ++calls;
  }

  private <T> T call(String operation, Map<Fault, Double> rates, Supplier<T> send) {
    Fault fault = next(rates);
    int call = nextCall();
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

  private synchronized Fault next(Map<Fault, Double> rates) {
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
