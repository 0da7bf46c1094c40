package io.fieldsync.testkit.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Makes a failing history short: drops devices, then runs of steps (halves, quarters, ... single
 * steps), then fault kinds, keeping each cut after which the history still fails. A step keeps its
 * own seed, so what is left replays the same draws.
 */
final class Shrinker {
  private final Predicate<History> fails;
  private int runs;

  Shrinker(Predicate<History> fails) {
    this.fails = fails;
  }

  /** How many runs the last shrink took. */
  int runs() {
    return runs;
  }

  History shrink(History failing, int maxRuns) {
    History current = failing;
    boolean progress = true;
    while (progress && runs < maxRuns) {
      progress = false;
      for (int device = current.devices() - 1; device >= 0 && current.devices() > 2; device--) {
        History fewer = current.withoutDevice(device);
        if (tryRun(fewer)) {
          current = fewer;
          progress = true;
        }
      }
      for (int chunk = Math.max(1, current.steps().size() / 2); chunk >= 1; chunk /= 2) {
        int start = 0;
        while (start < current.steps().size() && runs < maxRuns) {
          List<History.Step> kept = new ArrayList<>(current.steps());
          kept.subList(start, Math.min(start + chunk, kept.size())).clear();
          History shorter = current.withSteps(kept);
          if (tryRun(shorter)) {
            current = shorter;
            progress = true;
          } else {
            start += chunk;
          }
        }
        if (chunk == 1) {
          break;
        }
      }
      for (Faults calmer : calmer(current.faults())) {
        History quieter = current.withFaults(calmer);
        if (runs < maxRuns && tryRun(quieter)) {
          current = quieter;
          progress = true;
        }
      }
    }
    return current;
  }

  private boolean tryRun(History history) {
    runs++;
    return fails.test(history);
  }

  /** The faults with one kind turned off, for each kind that is on. */
  private static List<Faults> calmer(Faults f) {
    List<Faults> result = new ArrayList<>();
    double[] rates = f.rates();
    for (int i = 0; i < rates.length; i++) {
      if (rates[i] == 0) {
        continue;
      }
      double[] r = rates.clone();
      r[i] = 0;
      result.add(f.withRates(r));
    }
    boolean skewed = false;
    for (long skew : f.skewMillis()) {
      skewed |= skew != 0;
    }
    if (skewed) {
      result.add(f.withSkew(new long[f.skewMillis().length]));
    }
    return result;
  }
}
