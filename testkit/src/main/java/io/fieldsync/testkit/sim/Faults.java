package io.fieldsync.testkit.sim;

import java.util.SplittableRandom;

/**
 * The fault probabilities of one simulated history, each drawn from the seed (so a seed runs with
 * its own mix, from none to many), and the clock skew of each device.
 *
 * @param lostRequest a request never reaches the server
 * @param lostResponse the server answered (and committed), the device never hears it
 * @param duplicate the request reaches the server twice
 * @param delayed the request arrives much later than sent; the device times out (reordering)
 * @param lateCopy a copy of the request is kept and delivered again much later (a stale batch k
 *     arriving after batch k+5)
 * @param crashOnAnswer the device dies after the server answered, before it records the answer
 *     (after a push committed, mid-pull, mid-resync)
 * @param crashInApply the device dies after applying rows of a pulled page, before the page and its
 *     cursor commit
 * @param crashInCapture the device dies inside a user transaction (rolled back, never captured)
 * @param crashInUpgrade the device dies inside a layout upgrade (rolled back), and, drawn again,
 *     right after it committed
 * @param skewMillis each device's clock offset from true time, ahead (positive) or behind
 * @param tokenTtlMillis how long a device token lives (virtual time)
 */
public record Faults(
    double lostRequest,
    double lostResponse,
    double duplicate,
    double delayed,
    double lateCopy,
    double crashOnAnswer,
    double crashInApply,
    double crashInCapture,
    double crashInUpgrade,
    long[] skewMillis,
    long tokenTtlMillis) {

  /** The server's tolerance for device clocks ahead of it. */
  public static final long SKEW_TOLERANCE_MILLIS = 60_000;

  /** No faults at all: what the network is after it heals. */
  static Faults none(int devices) {
    return new Faults(0, 0, 0, 0, 0, 0, 0, 0, 0, new long[devices], Long.MAX_VALUE / 4);
  }

  /**
   * @param random the history's generator
   * @param more a generator of its own for the kinds added later, so the draws of the first ones
   *     (and the histories of earlier seeds) stay as they were
   */
  static Faults draw(SplittableRandom random, SplittableRandom more, int devices) {
    long[] skew = new long[devices];
    for (int device = 0; device < devices; device++) {
      skew[device] =
          switch (random.nextInt(5)) {
            case 0 -> 0;
            case 1 -> random.nextLong(1, SKEW_TOLERANCE_MILLIS / 2); // ahead, within the cap
            case 2 -> -random.nextLong(1, 30 * 60_000); // behind
            case 3 -> random.nextLong(2 * SKEW_TOLERANCE_MILLIS, 3_600_000); // ahead, beyond
            default -> random.nextLong(-5_000, 5_000);
          };
    }
    return new Faults(
        rate(random, 0.15),
        rate(random, 0.15),
        rate(random, 0.1),
        rate(random, 0.1),
        rate(random, 0.1),
        rate(random, 0.05),
        rate(random, 0.02),
        rate(random, 0.05),
        rate(more, 0.6),
        skew,
        random.nextInt(3) == 0 ? random.nextLong(60_000, 600_000) : 86_400_000L);
  }

  /** The probabilities, in the order of the record's components. */
  double[] rates() {
    return new double[] {
      lostRequest,
      lostResponse,
      duplicate,
      delayed,
      lateCopy,
      crashOnAnswer,
      crashInApply,
      crashInCapture,
      crashInUpgrade
    };
  }

  /** These faults with other probabilities, given in the order of {@link #rates()}. */
  Faults withRates(double[] r) {
    return new Faults(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], skewMillis, tokenTtlMillis);
  }

  /** These faults with other clock skews. */
  Faults withSkew(long[] skew) {
    double[] r = rates();
    return new Faults(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], skew, tokenTtlMillis);
  }

  /** These faults without crashes in layout upgrades. */
  Faults withoutUpgradeCrashes() {
    double[] r = rates();
    r[8] = 0;
    return withRates(r);
  }

  /** Zero for a third of the seeds, else up to {@code max}. */
  private static double rate(SplittableRandom random, double max) {
    return random.nextInt(3) == 0 ? 0 : random.nextDouble(max);
  }

  /** The names of {@link #rates()}, in their order. */
  private static final String[] RATE_NAMES =
      ("lostRequest lostResponse duplicate delayed lateCopy crashOnAnswer crashInApply"
              + " crashInCapture crashInUpgrade")
          .split(" ");

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder();
    double[] rates = rates();
    for (int i = 0; i < rates.length; i++) {
      text.append(String.format("%s=%.3f ", RATE_NAMES[i], rates[i]));
    }
    return text.append("skew=")
        .append(java.util.Arrays.toString(skewMillis))
        .append(" tokenTtl=")
        .append(tokenTtlMillis)
        .append("ms")
        .toString();
  }
}
