package io.fieldsync.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failing seed is reported shrunk, with a one-line command whose history file replays the short
 * history on its own. The failure comes from a deliberately broken oracle installed by this test
 * (it holds that no user ever deletes a record), so the simulation under it is sound.
 */
class ShrunkHistoryReplayTest {
  private static final Simulation.Check NO_DELETES =
      trace -> {
        String last = trace.get(trace.size() - 1);
        return last.contains(" -> delete ") ? "broken oracle: a record was deleted: " + last : null;
      };

  @TempDir Path dir;

  @Test
  void theReplayLineOfAShrunkFailureReproducesItFromItsHistoryFile() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    SimulationRunner runner =
        new SimulationRunner(
                Settings.BUILD,
                dir,
                1,
                new PrintStream(printed, true, StandardCharsets.UTF_8),
                SimulationTest.REPLAY)
            .check(NO_DELETES)
            .histories(dir.resolve("histories"))
            .shrinkRuns(60);

    SimulationRunner.Failure failure = null;
    for (long seed = 0; failure == null && seed < 40; seed++) {
      failure = runner.runSeed(seed);
    }
    assertThat(failure).as("seeds 0..39 delete some record").isNotNull();
    runner.report(failure);
    History whole = History.draw(failure.seed(), Settings.BUILD);
    assertThat(failure.shrunk().steps().size())
        .as("shrunk from %d steps", whole.steps().size())
        .isLessThan(whole.steps().size())
        .isLessThanOrEqualTo(3);
    String output = printed.toString(StandardCharsets.UTF_8);
    Matcher line =
        Pattern.compile(
                "seed "
                    + failure.seed()
                    + " failed; replay the shrunk history: (\\./mvnw [^\\n]*-Dfieldsync\\.seed="
                    + failure.seed()
                    + " -Dsim\\.history=(\\S+))\\n")
            .matcher(output);
    assertThat(line.find()).as(output).isTrue();
    assertThat(line.group(1)).isEqualTo(failure.replay());
    Path file = Path.of(line.group(2));
    assertThat(file).exists();

    History replayed = History.read(file);
    assertThat(replayed.steps()).isEqualTo(failure.shrunk().steps());
    Simulation.Result again = Simulation.run(replayed, Settings.BUILD, dir, NO_DELETES);
    assertThat(again.failure())
        .as("the same failure (its first line; the stack below it names the caller)")
        .startsWith(failure.result().failure().lines().findFirst().orElseThrow());
    assertThat(again.trace()).isEqualTo(failure.result().trace());
    assertThat(Simulation.run(replayed, Settings.BUILD, dir).failure())
        .as("the same history under the real oracle")
        .isNull();
    assertThat(Files.readString(file)).contains("\"kind\": \"WRITE\"");
  }
}
