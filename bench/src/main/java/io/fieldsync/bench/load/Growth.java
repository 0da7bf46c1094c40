package io.fieldsync.bench.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The bound on the server's growth over a load run: the mean heap after a full collection, and the
 * mean thread count, of the samples in the run's last tenth may lie at most a given percentage
 * above those of its second tenth (the second and last minute of a ten-minute run). The first tenth
 * is left out: devices are still joining.
 */
final class Growth {
  private Growth() {}

  /** One reading of the server JVM and the database, {@code seconds} into the run. */
  record Sample(
      double seconds,
      long heapUsed,
      long heapAfterGc,
      int threads,
      int connections,
      int liveChannels,
      long syncs,
      long errors) {}

  /** The bounds that do not hold, in words; empty when both hold. */
  static List<String> violations(
      List<Sample> samples, Duration duration, double heapPercent, double threadPercent) {
    double tenth = duration.toMillis() / 10_000.0;
    List<Sample> second = between(samples, tenth, 2 * tenth);
    List<Sample> last = between(samples, 9 * tenth, Double.MAX_VALUE);
    List<String> violations = new ArrayList<>();
    if (second.isEmpty() || last.isEmpty()) {
      violations.add(
          "no sample in the run's second tenth or its last tenth (samples at "
              + samples.stream().map(sample -> Math.round(sample.seconds()) + " s").toList()
              + ")");
      return violations;
    }
    check(violations, "heap after GC", second, last, Sample::heapAfterGc, heapPercent, " bytes");
    check(violations, "thread count", second, last, Sample::threads, threadPercent, "");
    return violations;
  }

  private static void check(
      List<String> violations,
      String what,
      List<Sample> second,
      List<Sample> last,
      ToDoubleFunction<Sample> value,
      double percent,
      String unit) {
    double before = mean(second, value);
    double after = mean(last, value);
    double limit = before * (1 + percent / 100);
    if (after > limit) {
      violations.add(
          String.format(
              "the server's %s grew from a mean of %,.0f%s in the run's second tenth to %,.0f%s in"
                  + " its last tenth: %+.1f%%, above the bound of %.0f%%",
              what, before, unit, after, unit, (after / before - 1) * 100, percent));
    }
  }

  private static List<Sample> between(List<Sample> samples, double from, double to) {
    return samples.stream()
        .filter(sample -> sample.seconds() >= from && sample.seconds() < to)
        .toList();
  }

  private static double mean(List<Sample> samples, ToDoubleFunction<Sample> value) {
    return samples.stream().mapToDouble(value).average().orElse(0);
  }
}
