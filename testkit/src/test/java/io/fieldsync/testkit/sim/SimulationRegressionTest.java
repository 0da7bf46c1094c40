package io.fieldsync.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.testkit.SeededTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seeds on which the simulation found a bug, each run in every build, with the history the
 * generator of the time drew from it ({@link History#drawFirstGeneration} for the first ones), so
 * later generators do not move them off the bug.
 */
class SimulationRegressionTest {
  @TempDir Path dir;

  private void passes(long seed) {
    passes(History.drawFirstGeneration(seed, Settings.BUILD));
  }

  private void passes(History history) {
    Path shm = Path.of("/dev/shm");
    Path scratch = Files.isDirectory(shm) && Files.isWritable(shm) ? shm : dir;
    Simulation.Result result = Simulation.run(history, Settings.BUILD, scratch);
    assertThat(result.failure()).as(String.join("\n", result.trace())).isNull();
  }

  /** Elements added by json_insert to a set of a record not pushed yet were pushed as null. */
  @SeededTest(seeds = 8)
  void jsonFunctionWritesOfAnUnpushedRecordReachEveryReplica(long seed) {
    passes(seed);
  }

  /**
   * A device far ahead of the server edits a field twice; the skew guard capped both stamps to the
   * same time, and the later edit lost to the earlier one.
   */
  @SeededTest(seeds = 80)
  void aDeviceFarAheadKeepsItsLaterEditOfAField(long seed) {
    passes(seed);
  }

  /**
   * The server restarted with a newer schema while a device stayed open: the device never migrated,
   * and the values of the new column it pulled were dropped.
   */
  @SeededTest(seeds = 32)
  void anOpenDeviceMigratesWhenItPullsAColumnOfANewerSchema(long seed) {
    passes(seed);
  }

  /**
   * The sync cycle ended while the device's pull cursor was at the server's sequence, but the
   * result reported nothing pushed: the final rounds stopped before another device had pulled (a
   * check of the simulation itself, kept so its quiescence stays right).
   */
  @SeededTest(seeds = {1225, 1852})
  void devicesSyncUntilEveryCursorIsAtTheServersSequence(long seed) {
    passes(seed);
  }

  /**
   * A device increments a tally and deletes it before pushing; another device increments it
   * concurrently and restores it (update_wins) from the server's last values. The model counted the
   * folded increment; the outbox rightly folds it into the delete (a check of the model, kept so it
   * stays right). The shrunk histories the deep run wrote, replayed as found.
   */
  @org.junit.jupiter.api.Test
  void anIncrementFoldedIntoItsDevicesOwnDeleteIsNotRestored() throws Exception {
    for (String file :
        java.util.List.of(
            "tally-increment-folded-into-delete-1.json",
            "tally-increment-folded-into-delete-2.json")) {
      passes(History.read(Path.of(getClass().getResource(file).toURI())));
    }
  }
}
