package io.fieldsync.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {

  private static BenchOptions withOnly(Set<String> only) {
    return new BenchOptions(
        true,
        List.of(1_000L),
        List.of(1),
        1,
        Path.of("out"),
        1,
        List.of("sqlite"),
        null,
        100,
        100,
        100,
        1,
        null,
        false,
        only,
        null,
        true,
        "fieldsync bench");
  }

  @Test
  void emptyOnlyRunsEveryScenario() {
    BenchOptions options = withOnly(Set.of());
    for (String scenario : BenchOptions.SCENARIOS) {
      assertThat(options.runs(scenario)).as(scenario).isTrue();
    }
  }

  @Test
  void onlyRunsTheNamedScenarios() {
    BenchOptions options = withOnly(Set.of("push", "capture"));
    assertThat(options.runs("push")).isTrue();
    assertThat(options.runs("capture")).isTrue();
    assertThat(options.runs("snapshot")).isFalse();
  }

  @Test
  void unknownScenarioIsRefusedByName() {
    assertThatThrownBy(() -> withOnly(Set.of("snapshots")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "only must name scenarios of [capture, convergence, device, encrypted, incremental,"
                + " live, noop, push, snapshot], found 'snapshots'");
  }
}
