package io.fieldsync.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulationTest {
  @TempDir Path dir;

  @Test
  void oneSeed() {
    long seed = Long.getLong("fieldsync.seed", 1L);
    History history = History.draw(seed, Settings.BUILD);
    long started = System.nanoTime();
    Simulation.Result result = Simulation.run(history, Settings.BUILD, dir);
    System.out.println(history);
    result.trace().forEach(System.out::println);
    System.out.println("took " + (System.nanoTime() - started) / 1_000_000 + " ms");
    assertThat(result.failure()).isNull();
  }
}
