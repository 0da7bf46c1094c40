package io.fieldsync.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;

class GrowthTest {
  private static final Duration TEN_MINUTES = Duration.ofMinutes(10);

  /** A sample every 15 s of a ten-minute run, heap and threads given by the second. */
  private static List<Growth.Sample> run(LongUnaryOperator heap, LongUnaryOperator threads) {
    List<Growth.Sample> samples = new ArrayList<>();
    for (long second = 15; second <= 600; second += 15) {
      samples.add(
          new Growth.Sample(
              second,
              2 * heap.applyAsLong(second),
              heap.applyAsLong(second),
              (int) threads.applyAsLong(second),
              27,
              1_000,
              second * 10,
              0));
    }
    return samples;
  }

  @Test
  void aFlatServerIsWithinTheBound() {
    assertThat(Growth.violations(run(s -> 100_000_000, s -> 80), TEN_MINUTES, 25, 25)).isEmpty();
  }

  @Test
  void growthUpToTheBoundIsAllowed() {
    List<Growth.Sample> samples =
        run(s -> s < 540 ? 100_000_000 : 124_000_000, s -> s < 540 ? 80 : 100);
    assertThat(Growth.violations(samples, TEN_MINUTES, 25, 25)).isEmpty();
  }

  @Test
  void aLeakingHeapFailsNamingTheGrowth() {
    assertThat(Growth.violations(run(s -> 100_000_000 + s * 200_000, s -> 80), TEN_MINUTES, 25, 25))
        .singleElement()
        .asString()
        // The second tenth's samples are at 60, 75, 90 and 105 s, the last tenth's at 540 to 600 s.
        .isEqualTo(
            "the server's heap after GC grew from a mean of 116,500,000 bytes in the run's second"
                + " tenth to 214,000,000 bytes in its last tenth: +83.7%, above the bound of 25%");
  }

  @Test
  void aThreadPerDeviceFailsNamingTheThreads() {
    assertThat(Growth.violations(run(s -> 100_000_000, s -> 50 + s), TEN_MINUTES, 25, 25))
        .singleElement()
        .asString()
        .isEqualTo(
            "the server's thread count grew from a mean of 133 in the run's second tenth to 620 in"
                + " its last tenth: +367.9%, above the bound of 25%");
  }

  @Test
  void aRunWithoutSamplesInBothWindowsFails() {
    List<Growth.Sample> early = run(s -> 100_000_000, s -> 80).subList(0, 4);
    assertThat(Growth.violations(early, TEN_MINUTES, 25, 25))
        .singleElement()
        .asString()
        .startsWith("no sample in the run's second tenth or its last tenth");
  }
}
