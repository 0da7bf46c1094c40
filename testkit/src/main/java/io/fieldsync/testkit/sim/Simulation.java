package io.fieldsync.testkit.sim;

import io.fieldsync.AuthException;
import io.fieldsync.TransportException;
import io.fieldsync.clock.Hlc;
import io.fieldsync.testkit.ServerDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Runs one {@link History} on one thread in virtual time: devices and server nodes as real code
 * over real databases, a {@link SimNetwork} between them, an event queue ordered by (virtual time,
 * insertion), and every random draw from the history's seed. Then the network heals, every device
 * syncs until nothing moves, and every device, the server and the {@link Model} must agree; {@link
 * Invariants} are checked after every step.
 *
 * <p>Not thread-safe; one run per instance.
 */
public final class Simulation {
  /** 2026-01-01T00:00:00Z: where virtual time starts. */
  static final long EPOCH_MILLIS = 1_767_225_600_000L;

  private static final int QUIESCENCE_ROUNDS = 12;

  private final History history;
  private final Settings settings;
  private final Path directory;
  private final PriorityQueue<Event> queue =
      new PriorityQueue<>(Comparator.comparingLong(Event::time).thenComparingLong(Event::order));
  private final List<String> trace = new ArrayList<>();
  private final Model model = new Model();
  private UserWrites users;
  private long now = EPOCH_MILLIS;
  private long lastStepTime = EPOCH_MILLIS;
  private boolean healed;
  private long order;
  private SplittableRandom random;
  private SimServer server;
  private SimNetwork network;
  private Invariants invariants;
  private final List<SimDevice> devices = new ArrayList<>();

  private record Event(long time, long order, String what, Runnable action) {}

  /**
   * A check of a test's own, run after every step with the trace so far (a deliberately broken
   * oracle, for tests of the simulation's reports); the run fails with what it returns, unless
   * null.
   */
  @FunctionalInterface
  public interface Check {
    String failure(List<String> trace);

    /** Checks nothing beyond the model and the invariants. */
    Check NONE = trace -> null;
  }

  private final Check check;

  private Simulation(History history, Settings settings, Path directory, Check check) {
    this.check = check;
    this.history = history;
    this.settings = settings;
    this.directory = directory;
    this.random = new SplittableRandom(history.seed());
  }

  /**
   * What a run found.
   *
   * @param failure why it failed, or null
   * @param trace each step with what it did
   * @param finalState a digest of the bytes of every database at the end
   */
  public record Result(History history, String failure, List<String> trace, String finalState) {
    public boolean passed() {
      return failure == null;
    }
  }

  /** Runs a history in a fresh directory under {@code parent} and deletes it afterwards. */
  public static Result run(History history, Settings settings, Path parent) {
    return run(history, settings, parent, Check.NONE);
  }

  /** Runs a history with a {@link Check} of the caller's own after every step. */
  public static Result run(History history, Settings settings, Path parent, Check check) {
    Path directory;
    try {
      directory = Files.createTempDirectory(parent, "sim-" + history.seed() + "-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a directory under " + parent, e);
    }
    try {
      Simulation simulation = new Simulation(history, settings, directory, check);
      Result result = simulation.run();
      return new Result(
          result.history(), result.failure(), result.trace(), FinalState.fingerprint(directory));
    } finally {
      deleteTree(directory);
    }
  }

  long now() {
    return now;
  }

  SplittableRandom random() {
    return random;
  }

  /** A node's wall clock: true time plus a few milliseconds of its own. */
  long nodeWall(int node) {
    return now + node * 7L;
  }

  long deviceWall(int device) {
    return now + history.faults().skewMillis()[device];
  }

  /** Runs {@code action} {@code delayMillis} of virtual time from now. */
  void later(long delayMillis, Runnable action) {
    SplittableRandom own = random.split();
    queue.add(
        new Event(
            now + delayMillis,
            order++,
            "late delivery",
            () -> {
              random = own;
              action.run();
            }));
  }

  private Result run() {
    try {
      setUp();
      String failure = null;
      try {
        for (History.Step step : history.steps()) {
          schedule(step);
        }
        while (!queue.isEmpty()) {
          Event event = queue.poll();
          now = event.time();
          event.action().run();
        }
        heal();
        failure = compare();
      } catch (AssertionError | RuntimeException e) {
        failure = e.toString() + stackTop(e);
      }
      return new Result(history, failure, List.copyOf(trace), null);
    } finally {
      close();
    }
  }

  private static String stackTop(Throwable e) {
    StringBuilder text = new StringBuilder();
    StackTraceElement[] stack = e.getStackTrace();
    for (int i = 0; i < Math.min(8, stack.length); i++) {
      text.append("\n      at ").append(stack[i]);
    }
    return text.toString();
  }

  private void setUp() {
    boolean templated = !settings.postgres() && history.devices() <= settings.maxDevices();
    if (templated) {
      Templates.copy(directory, history.devices());
    }
    open(templated);
    network.faults(history.faults());
  }

  /** Makes the server and devices; with {@code copied}, their databases are made already. */
  private void open(boolean copied) {
    ServerDatabase database =
        settings.postgres()
            ? ServerDatabase.postgres("sim")
            : ServerDatabase.sqlite(directory.resolve("server.db"));
    byte[] secret = new byte[32];
    new SplittableRandom(history.seed()).nextBytes(secret);
    java.util.function.LongSupplier[] clocks = new java.util.function.LongSupplier[history.nodes()];
    for (int node = 0; node < clocks.length; node++) {
      int which = node;
      clocks[node] = () -> nodeWall(which);
    }
    server = new SimServer(database, secret, clocks);
    network = new SimNetwork(this, server, Faults.none(history.devices()), history.devices());
    SplittableRandom config = new SplittableRandom(history.seed() ^ 0x5eed5eedL);
    int batchSize = config.nextInt(1, 6);
    int pageSize = config.nextInt(1, 6);
    for (int index = 0; index < history.devices(); index++) {
      int device = index;
      String name = "d" + index;
      SimTransport transport =
          new SimTransport(network, index, server.token(name, history.faults().tokenTtlMillis()));
      long deviceSeed = config.nextLong();
      SimDevice simDevice =
          new SimDevice(
              index,
              directory.resolve(name + ".db"),
              transport,
              () -> deviceWall(device),
              builder ->
                  builder
                      .seed(deviceSeed)
                      .batchSize(batchSize)
                      .pullPageSize(pageSize)
                      .faultInjector(rows -> crashInApply(device)));
      if (copied) {
        simDevice.open();
      } else {
        simDevice.initialize();
      }
      devices.add(simDevice);
    }
    invariants = new Invariants(devices, server, network, model);
    users = new UserWrites(model, network::insideABatch, history.firstGeneration());
  }

  /** Makes the template databases of {@link Templates} in {@code directory}. */
  static void initializeTemplates(Path directory, int devices) {
    History none =
        new History(0, devices, 1, Faults.none(devices), java.util.List.of(), History.CURRENT);
    Simulation simulation = new Simulation(none, Settings.BUILD, directory, Check.NONE);
    simulation.open(false);
    simulation.close();
  }

  private void crashInApply(int device) {
    if (!healed
        && history.faults().crashInApply() > 0
        && random.nextDouble() < history.faults().crashInApply()) {
      throw new SimulatedCrash("d" + device + " died applying a pulled page");
    }
  }

  private void schedule(History.Step step) {
    long at = lastStepTime + step.delayMillis();
    lastStepTime = at;
    queue.add(new Event(at, order++, step.toString(), () -> perform(step)));
  }

  private void perform(History.Step step) {
    random = new SplittableRandom(step.seed());
    String note;
    int target = step.target();
    try {
      note =
          switch (step.kind()) {
            case WRITE -> {
              SimDevice device = devices.get(target);
              boolean crash = random.nextDouble() < history.faults().crashInCapture();
              // Drawn apart from the step's own generator, so the draws of the items' writes stay.
              SplittableRandom apart = new SplittableRandom(step.seed() ^ 0x7a11e5L);
              // A quarter of the writes go to tallies, a fifth of the others edit guarded columns.
              boolean tally = !history.firstGeneration() && apart.nextInt(4) == 0;
              boolean guarded = !history.firstGeneration() && !tally && apart.nextInt(5) == 0;
              String what =
                  users.write(
                      device,
                      random,
                      tally ? apart : null,
                      guarded,
                      crash,
                      device.client().schema().table("items").columns().containsKey("extra"));
              if (crash) {
                device.crashAndReopen();
              }
              yield what;
            }
            case SYNC -> sync(devices.get(target));
            case RESYNC -> resync(devices.get(target));
            case CRASH -> {
              devices.get(target).crashAndReopen();
              yield "crashed and reopened";
            }
            case RESTART -> {
              server.restart(target);
              yield "node restarted";
            }
            case PARTITION_DEVICE -> {
              network.cutDevice(target, now + step.param());
              yield "device cut off";
            }
            case PARTITION_NODE -> {
              network.cutNode(target, now + step.param());
              yield "node cut off";
            }
            case UPGRADE ->
                devices
                    .get(target)
                    .upgradeFrom(
                        step.param(),
                        random.nextDouble() < history.faults().crashInUpgrade(),
                        random.nextDouble() < history.faults().crashInUpgrade());
            case SCHEMA_BUMP -> {
              server.bumpSchema();
              yield "schema now v" + server.schema().version();
            }
          };
    } catch (SimulatedCrash crash) {
      devices.get(target).crashAndReopen();
      note = "crash: " + crash.getMessage();
    }
    trace.add(String.format("%8d %s -> %s", now - EPOCH_MILLIS, step, note));
    invariants.check(trace);
    String failure = check.failure(trace);
    if (failure != null) {
      throw new AssertionError(failure);
    }
  }

  private String sync(SimDevice device) {
    try {
      return "synced " + summary(device.client().syncNow());
    } catch (TransportException e) {
      return "sync failed: " + e.getMessage();
    } catch (AuthException e) {
      device.transport.token(server.token(device.name, history.faults().tokenTtlMillis()));
      return "token refused, signed in again: " + e.getMessage();
    }
  }

  private static String summary(io.fieldsync.client.SyncResult result) {
    return "pushed="
        + result.pushed()
        + " applied="
        + result.applied()
        + " merged="
        + result.merged()
        + " rejected="
        + result.rejected()
        + " parked="
        + result.parked()
        + " pulled="
        + result.pulled()
        + " cursor="
        + result.cursor();
  }

  private String resync(SimDevice device) {
    try {
      var result = device.client().resync();
      return "resynced " + result;
    } catch (TransportException e) {
      return "resync failed: " + e.getMessage();
    } catch (AuthException e) {
      device.transport.token(server.token(device.name, history.faults().tokenTtlMillis()));
      return "token refused, signed in again: " + e.getMessage();
    }
  }

  /**
   * Every fault stops; devices sync in turn until every outbox is empty and every cursor is at the
   * server's sequence, then once more.
   */
  private void heal() {
    healed = true;
    network.heal();
    trace.add(String.format("%8d the network heals", now - EPOCH_MILLIS));
    boolean settled = false;
    for (int round = 0; round < QUIESCENCE_ROUNDS; round++) {
      now += 1_000;
      for (SimDevice device : devices) {
        random = new SplittableRandom(round);
        String note;
        try {
          note = "synced " + summary(device.client().syncNow());
        } catch (AuthException e) {
          device.transport.token(server.token(device.name, history.faults().tokenTtlMillis()));
          note = "token refused, signed in again";
        }
        trace.add(String.format("%8d final sync %s -> %s", now - EPOCH_MILLIS, device.name, note));
        invariants.check(trace);
      }
      if (settled) {
        return;
      }
      settled = quiet();
    }
    throw new AssertionError(
        "devices still push or pull after " + QUIESCENCE_ROUNDS + " rounds without faults");
  }

  /** Whether no device has anything to push or to pull. */
  private boolean quiet() {
    long sequence = server.store().currentSequence(SimServer.TENANT);
    for (SimDevice device : devices) {
      if (device.client().status().pending() > 0
          || device.longValue("SELECT cursor FROM _fs_state") != sequence) {
        return false;
      }
    }
    return true;
  }

  /** Every device equals the server equals the model; null when they do. */
  private String compare() {
    StringBuilder failure = new StringBuilder();
    FinalState.compare(server, devices, model, network, failure);
    String end = invariants.atEnd();
    if (end != null) {
      failure.append(end).append('\n');
    }
    return failure.isEmpty() ? null : failure.toString();
  }

  private void close() {
    for (SimDevice device : devices) {
      try {
        device.close();
      } catch (RuntimeException e) {
        // the run's outcome is already decided
      }
    }
    if (invariants != null) {
      invariants.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private static void deleteTree(Path directory) {
    try (Stream<Path> files = Files.walk(directory)) {
      files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + directory, e);
    }
  }

  static long cap(long hlc, long nodeWall) {
    long limit = nodeWall + Faults.SKEW_TOLERANCE_MILLIS;
    return Hlc.wallMillis(hlc) > limit ? Hlc.of(limit, Hlc.counter(hlc)) : hlc;
  }
}
