package io.fieldsync.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulationTest {
  @TempDir Path dir;

  @Test
  void manySeeds() {
    long first = Long.getLong("sim.first", 1L);
    long count = Long.getLong("sim.count", 50L);
    SimulationRunner.Report report =
        new SimulationRunner(Settings.BUILD, dir, 2, System.out).run(first, count);
    System.out.printf("%d seeds, %.1f seeds/s%n", report.seeds(), report.seedsPerSecond());
    assertThat(report.failures()).isEmpty();
  }

  @Test
  void replay() {
    long seed = Long.getLong("fieldsync.seed", 1L);
    History history = History.draw(seed, Settings.BUILD);
    Simulation.Result result = Simulation.run(history, Settings.BUILD, dir);
    System.out.println(history);
    System.out.println(String.join("\n", result.trace()));
    assertThat(result.failure()).isNull();
  }
}
