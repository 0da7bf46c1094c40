package io.fieldsync.clock;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HybridClockTest {

  @Test
  void stampsFollowTheWallClockWhenItAdvances() {
    AtomicLong wall = new AtomicLong(1_000);
    HybridClock clock = new HybridClock(wall::get);

    long first = clock.now();
    wall.set(2_000);
    long second = clock.now();

    assertThat(Hlc.wallMillis(first)).isEqualTo(1_000);
    assertThat(Hlc.wallMillis(second)).isEqualTo(2_000);
    assertThat(Hlc.counter(second)).isZero();
  }

  @Test
  void stampsKeepIncreasingWhenTheWallClockStallsOrGoesBack() {
    AtomicLong wall = new AtomicLong(5_000);
    HybridClock clock = new HybridClock(wall::get);

    long first = clock.now();
    long second = clock.now();
    wall.set(4_000);
    long third = clock.now();

    assertThat(second).isGreaterThan(first);
    assertThat(third).isGreaterThan(second);
    assertThat(Hlc.wallMillis(third)).isEqualTo(5_000);
    assertThat(Hlc.counter(third)).isEqualTo(2);
  }

  @Test
  void observedStampOrdersLaterLocalStampsAfterIt() {
    HybridClock clock = new HybridClock(() -> 1_000);
    long remote = Hlc.of(9_000, 7);

    clock.observe(remote);

    assertThat(clock.now()).isGreaterThan(remote);
  }

  @Test
  void packingMatchesTheSqlFormulaOfTheTriggers() {
    long wallMillis = 1_795_332_055_766L;

    assertThat(Hlc.of(wallMillis, 0)).isEqualTo(wallMillis * 65536);
  }

  @Test
  void equalStampsAreOrderedByDevice() {
    long stamp = Hlc.of(1_000, 1);

    assertThat(Hlc.compare(stamp, "device-b", stamp, "device-a")).isPositive();
    assertThat(Hlc.compare(stamp, "device-a", stamp, "device-b")).isNegative();
    assertThat(Hlc.compare(stamp + 1, "device-a", stamp, "device-b")).isPositive();
  }

  @Test
  void formatShowsInstantAndCounter() {
    assertThat(Hlc.format(Hlc.of(0, 3))).isEqualTo("1970-01-01T00:00:00Z#3");
  }
}
