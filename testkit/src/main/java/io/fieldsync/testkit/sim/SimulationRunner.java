package io.fieldsync.testkit.sim;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs many seeds of the simulation, each on one thread of its own (seeds are independent, so
 * several run side by side without touching determinism), shrinks every failing history and reports
 * it with the command that replays it.
 */
public final class SimulationRunner {
  /** A seed that failed: its history shrunk, and why the short one fails. */
  public record Failure(long seed, History shrunk, Simulation.Result result, String replay) {
    @Override
    public String toString() {
      return "seed "
          + seed
          + " failed; replay the shrunk history: "
          + replay
          + "\nshrunk to "
          + shrunk.steps().size()
          + " steps: "
          + shrunk
          + "\nfailure: "
          + result.failure()
          + "\ntrace:\n  "
          + String.join("\n  ", result.trace());
    }
  }

  /** What a run of seeds found. */
  public record Report(long seeds, long millis, List<Failure> failures) {
    public double seedsPerSecond() {
      return seeds * 1000.0 / Math.max(1, millis);
    }
  }

  private final Settings settings;
  private final Path directory;
  private final int threads;
  private final PrintStream out;
  private final String replay;
  private int shrinkRuns = 300;
  private Simulation.Check check = Simulation.Check.NONE;
  private Path histories = Path.of("target", "sim-histories");
  private long stopAfterNanos = Long.MAX_VALUE;

  /**
   * @param replay the command that replays one seed, with {@code %d} for the seed
   */
  public SimulationRunner(
      Settings settings, Path directory, int threads, PrintStream out, String replay) {
    this.replay = replay;
    this.settings = settings;
    this.directory = directory;
    this.threads = threads;
    this.out = out;
  }

  /** At most this many runs go into shrinking one failing history (default 300). */
  public SimulationRunner shrinkRuns(int runs) {
    this.shrinkRuns = runs;
    return this;
  }

  /** A check of the caller's own after every step of every run (see {@link Simulation.Check}). */
  public SimulationRunner check(Simulation.Check check) {
    this.check = check;
    return this;
  }

  /** Where the shrunk history of each failing seed is written (default target/sim-histories). */
  public SimulationRunner histories(Path directory) {
    this.histories = directory;
    return this;
  }

  /**
   * Runs one seed; when it fails, shrinks it, writes the short history to {@code seed-N.json} under
   * the histories directory and names it in the replay command ({@code -Dsim.history=FILE}, which
   * replays exactly those steps).
   */
  public Failure runSeed(long seed) {
    History history = History.draw(seed, settings);
    Simulation.Result result = Simulation.run(history, settings, directory, check);
    if (result.passed()) {
      return null;
    }
    Shrinker shrinker = new Shrinker(h -> !Simulation.run(h, settings, directory, check).passed());
    History shrunk = shrinker.shrink(history, shrinkRuns);
    Simulation.Result shortResult = Simulation.run(shrunk, settings, directory, check);
    History reported = shortResult.passed() ? history : shrunk;
    Path file = histories.resolve("seed-" + seed + ".json").toAbsolutePath();
    reported.write(file);
    String command = String.format(replay, seed) + " -Dsim.history=" + file;
    return shortResult.passed()
        ? new Failure(seed, history, result, command)
        : new Failure(seed, shrunk, shortResult, command);
  }

  /** Starts no seed once {@code minutes} of wall time have passed since a run began. */
  public SimulationRunner stopAfterMinutes(double minutes) {
    this.stopAfterNanos = (long) (minutes * 60e9);
    return this;
  }

  /** Prints a failure: its replay line, the shrunk history, why it fails and its trace. */
  public void report(Failure failure) {
    synchronized (out) {
      out.println(failure);
    }
  }

  /** Runs {@code count} seeds from {@code first}, printing progress and every failure. */
  public Report run(long first, long count) {
    long started = System.nanoTime();
    AtomicLong done = new AtomicLong();
    List<Failure> failures = Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int lane = t;
        running.add(
            pool.submit(
                () -> {
                  for (long i = lane;
                      i < count && System.nanoTime() - started < stopAfterNanos;
                      i += threads) {
                    long seed = first + i;
                    Failure failure;
                    try {
                      failure = runSeed(seed);
                    } catch (RuntimeException | AssertionError e) {
                      failure =
                          new Failure(
                              seed,
                              History.draw(seed, settings),
                              new Simulation.Result(null, e.toString(), List.of(), null),
                              String.format(replay, seed));
                    }
                    if (failure != null) {
                      failures.add(failure);
                      report(failure);
                    }
                    long n = done.incrementAndGet();
                    if (n % 100 == 0) {
                      long millis = (System.nanoTime() - started) / 1_000_000;
                      synchronized (out) {
                        out.printf(
                            "%d seeds in %.1f s: %.1f seeds/s, %d failed%n",
                            n, millis / 1000.0, n * 1000.0 / Math.max(1, millis), failures.size());
                      }
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> future : running) {
        future.get();
      }
    } catch (Exception e) {
      throw new IllegalStateException("the simulation runner failed: " + e, e);
    } finally {
      pool.shutdownNow();
    }
    long millis = (System.nanoTime() - started) / 1_000_000;
    return new Report(done.get(), millis, List.copyOf(failures));
  }
}
