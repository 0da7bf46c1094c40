package io.fieldsync.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class LoadCommandTest {
  private static LoadCommand parse(String... args) {
    LoadCommand command = new LoadCommand();
    new CommandLine(command).parseArgs(args);
    return command;
  }

  @Test
  void theDefaultsAreTheIssuesRun() {
    LoadCommand command = parse();
    assertThat(command.devices).isEqualTo(1_000);
    assertThat(command.nodes).isEqualTo(3);
    assertThat(command.duration).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void durationsAreWrittenAsPeopleWriteThem() {
    assertThat(parse("--duration", "90s").duration).isEqualTo(Duration.ofSeconds(90));
    assertThat(parse("--duration", "1h").duration).isEqualTo(Duration.ofHours(1));
    assertThat(parse("--fault-delay", "250ms").faultDelay).isEqualTo(Duration.ofMillis(250));
    assertThat(parse("--duration", "PT15M").duration).isEqualTo(Duration.ofMinutes(15));
  }

  @Test
  void aDurationWithoutAUnitIsRefusedWithAnExample() {
    assertThatThrownBy(() -> parse("--duration", "10"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("expected a duration such as 500ms, 20s, 10m or 1h, found '10'");
  }

  @Test
  void aSampleIntervalLongerThanATenthOfTheRunIsRefused() {
    assertThatThrownBy(
            () ->
                new LoadOptions(
                    10,
                    1,
                    3,
                    Duration.ofSeconds(20),
                    5,
                    2,
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(1),
                    0.1,
                    Duration.ofMillis(10),
                    0.01,
                    Duration.ofSeconds(3),
                    25,
                    25,
                    2,
                    128,
                    4,
                    1,
                    java.nio.file.Path.of("out"),
                    "test"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "sample interval must be positive and at most a tenth of the duration (PT20S), so each"
                + " tenth holds a sample; found PT3S");
  }
}
