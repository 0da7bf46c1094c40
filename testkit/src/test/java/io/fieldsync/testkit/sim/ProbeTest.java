package io.fieldsync.testkit.sim;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProbeTest {
  @TempDir Path dir;

  @Test
  void probe() {
    Path where = Path.of(System.getProperty("sim.dir", dir.toString()));
    for (int round = 0; round < 2; round++) {
      long started = System.nanoTime();
      long cpu = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
      for (long seed = 1; seed <= 40; seed++) {
        Simulation.run(History.draw(seed, Settings.BUILD), Settings.BUILD, where);
      }
      System.out.println(
          "PROBE 40 seeds "
              + (System.nanoTime() - started) / 1_000_000
              + " ms, cpu "
              + (java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime()
                      - cpu)
                  / 1_000_000
              + " ms");
    }
  }
}
