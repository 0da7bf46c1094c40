package io.fieldsync.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.testkit.SeededTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deterministic simulation in every build: a thousand fresh seeds, each a short history of
 * devices and server nodes through faults, checked against the model; a seed replays bit for bit;
 * the seeds of the bugs it found stay fixed here.
 */
class SimulationTest {
  /** Seeds per build; {@code -Dfieldsync.sim.seeds=N} runs more or fewer. */
  private static final long SEEDS = Long.getLong("fieldsync.sim.seeds", 1_000);

  /** The command that replays one seed of this test. */
  static final String REPLAY =
      "./mvnw -B verify -pl testkit -am -Dsurefire.failIfNoSpecifiedTests=false"
          + " -Dtest='SimulationTest#replay' -Dfieldsync.seed=%d";

  @TempDir Path dir;

  /** Where the runs keep their databases: memory when the machine has it. */
  private Path scratch() {
    Path shm = Path.of("/dev/shm");
    return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : dir;
  }

  @Test
  void aThousandSeededHistoriesMatchTheModel() {
    long first = Long.getLong("fieldsync.sim.first", new SplittableRandom().nextLong() >>> 1);
    System.out.printf(
        "SimulationTest: seeds %d to %d (again with -Dfieldsync.sim.first=%d)%n",
        first, first + SEEDS - 1, first);
    SimulationRunner.Report report =
        new SimulationRunner(Settings.BUILD, scratch(), 2, System.out, REPLAY)
            .shrinkRuns(100)
            .run(first, SEEDS);
    System.out.printf(
        "SimulationTest: %d seeds in %.1f s, %.1f seeds/s, %d failed%n",
        report.seeds(),
        report.millis() / 1000.0,
        report.seedsPerSecond(),
        report.failures().size());
    assertThat(report.failures())
        .as("failing seeds, each shrunk, with the command that replays it")
        .isEmpty();
  }

  /**
   * One seed, printing its history and trace: {@code -Dfieldsync.seed=N} picks it; {@code
   * -Dsim.history=FILE} replays the shrunk history a failure wrote instead of the seed's whole one.
   */
  @SeededTest(seeds = 1)
  void replay(long seed) {
    String file = System.getProperty("sim.history");
    History history =
        file != null ? History.read(Path.of(file)) : History.draw(seed, Settings.BUILD);
    Simulation.Result result = Simulation.run(history, Settings.BUILD, scratch());
    System.out.println(history);
    System.out.println(String.join("\n", result.trace()));
    assertThat(result.failure()).isNull();
  }

  /**
   * The generator reaches what the oracle must judge: within the first 40 seeds some history parks
   * a concurrent manual edit, keeps or restores a tally against a delete (a push answered with a
   * merge of a tally), dies inside a layout upgrade and after one.
   */
  @org.junit.jupiter.api.Test
  void theFirstFortySeedsReachParksUpdateWinsAndUpgradeCrashes() {
    java.util.Set<String> reached = new java.util.TreeSet<>();
    for (long seed = 0; seed < 40 && reached.size() < 4; seed++) {
      Simulation.Result result =
          Simulation.run(History.draw(seed, Settings.BUILD), Settings.BUILD, scratch());
      assertThat(result.failure()).as("seed %d", seed).isNull();
      String trace = String.join("\n", result.trace());
      if (trace.matches("(?s).*parked=[1-9].*")) {
        reached.add("a parked manual edit");
      }
      if (trace.matches("(?s).*delete tally.*merged=[1-9].*")) {
        reached.add("a tally delete or write answered with a merge");
      }
      if (trace.contains("died inside the upgrade")) {
        reached.add("a crash inside an upgrade");
      }
      if (trace.contains("died after it committed")) {
        reached.add("a crash after an upgrade");
      }
    }
    assertThat(reached).hasSize(4);
  }

  @SeededTest(runs = 3)
  void aSeedReplaysTheSameHistoryAndTheSameBytes(long seed) {
    History history = History.draw(seed, Settings.BUILD);
    Simulation.Result once = Simulation.run(history, Settings.BUILD, scratch());
    Simulation.Result again = Simulation.run(history, Settings.BUILD, scratch());
    assertThat(again.trace()).isEqualTo(once.trace());
    assertThat(again.finalState()).isEqualTo(once.finalState());
    assertThat(again.failure()).isEqualTo(once.failure());
  }
}
