package io.fieldsync.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deep run of the simulation, outside the build ({@code ./mvnw -B -Psim verify -pl testkit
 * -am}): many seeds of longer histories with more devices, on SQLite or the embedded PostgreSQL.
 * Prints seeds per second every thousand seeds and every failing seed, shrunk, with its one-line
 * replay. Properties: {@code sim.seeds} (100000), {@code sim.first} (fresh), {@code sim.threads}
 * (the processors), {@code sim.postgres} (false), {@code sim.devices} (4), {@code sim.steps} (60),
 * {@code sim.minutes} (no limit: no seed starts after that much wall time); {@code sim.replay=N}
 * runs seed N alone with its trace, {@code sim.history=FILE} the history a failure wrote.
 */
class SimulationDeepRun {
  @TempDir Path dir;

  private static Settings settings() {
    return new Settings(
        Integer.getInteger("sim.devices", 4),
        2,
        Integer.getInteger("sim.steps", 60),
        true,
        Boolean.getBoolean("sim.postgres"));
  }

  private Path scratch() {
    Path shm = Path.of("/dev/shm");
    return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : dir;
  }

  private static String replayCommand(Settings settings) {
    return "./mvnw -B -Psim verify -pl testkit -am"
        + (settings.postgres() ? " -Dsim.postgres=true" : "")
        + " -Dsim.devices="
        + settings.maxDevices()
        + " -Dsim.steps="
        + settings.maxSteps()
        + " -Dsim.replay=%d";
  }

  @Test
  void deepRun() {
    Settings settings = settings();
    Long replay = Long.getLong("sim.replay");
    String file = System.getProperty("sim.history");
    if (replay != null || file != null) {
      History history = file != null ? History.read(Path.of(file)) : History.draw(replay, settings);
      Simulation.Result result = Simulation.run(history, settings, scratch());
      System.out.println(history);
      System.out.println(String.join("\n", result.trace()));
      assertThat(result.failure()).isNull();
      return;
    }
    long seeds = Long.getLong("sim.seeds", 100_000);
    long first = Long.getLong("sim.first", new SplittableRandom().nextLong() >>> 1);
    int threads = Integer.getInteger("sim.threads", Runtime.getRuntime().availableProcessors());
    System.out.printf(
        "simulation deep run: seeds %d to %d, %d threads, %s (again with -Dsim.first=%d)%n",
        first, first + seeds - 1, threads, settings, first);
    SimulationRunner.Report report =
        new SimulationRunner(settings, scratch(), threads, System.out, replayCommand(settings))
            .stopAfterMinutes(Double.parseDouble(System.getProperty("sim.minutes", "1e9")))
            .run(first, seeds);
    System.out.printf(
        "simulation deep run: %d seeds (from %d) in %.1f s, %.2f seeds/s, %d failed%n",
        report.seeds(),
        first,
        report.millis() / 1000.0,
        report.seedsPerSecond(),
        report.failures().size());
    report.failures().forEach(failure -> System.out.println("FAILED: " + failure.replay()));
    assertThat(report.failures()).isEmpty();
  }
}
