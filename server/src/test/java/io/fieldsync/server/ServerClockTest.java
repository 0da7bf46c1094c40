package io.fieldsync.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.clock.Hlc;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ServerClockTest {
  private static final long NOW = 1_800_000_000_000L;
  private static final long TOLERANCE = 60_000;

  /**
   * A request's stamps split at a random place between a guard and its sibling (as a push checks
   * its second half on another thread) come out as one guard would admit them, capped at the
   * server's wall clock plus the tolerance, with the same count and worst lead once absorbed, and
   * the server clock ends after every admitted stamp.
   */
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void aSiblingGuardAdmitsAndCountsAsTheGuardWould(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    ServerClock clock = new ServerClock(() -> NOW, TOLERANCE);
    ServerClock.Guard guard = clock.guard();
    ServerClock.Guard sibling = guard.sibling();
    int count = 1 + random.nextInt(2_000);
    int split = random.nextInt(count + 1);
    int capped = 0;
    long maxAhead = 0;
    long latest = 0;
    for (int i = 0; i < count; i++) {
      long wall = NOW - 3_600_000 + random.nextLong(2 * 3_600_000);
      long hlc = Hlc.of(wall, random.nextInt(100));
      long expected = hlc;
      if (wall > NOW + TOLERANCE) {
        capped++;
        maxAhead = Math.max(maxAhead, wall - NOW);
        expected = Hlc.of(NOW + TOLERANCE, Hlc.counter(hlc));
      }
      latest = Math.max(latest, expected);
      long admitted = i < split ? guard.admit(hlc) : sibling.admit(hlc);
      assertThat(admitted).as("stamp %d of %d", i, count).isEqualTo(expected);
    }
    guard.absorb(sibling);
    assertThat(guard.capped()).isEqualTo(capped);
    assertThat(guard.maxAheadMillis()).isEqualTo(maxAhead);
    assertThat(clock.now()).isGreaterThan(latest);
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void onlyASiblingOfTheSameGuardIsAbsorbed(boolean sameClock) {
    ServerClock clock = new ServerClock(() -> NOW, TOLERANCE);
    ServerClock other = sameClock ? clock : new ServerClock(() -> NOW + 1, TOLERANCE);
    ServerClock.Guard guard = clock.guard();
    ServerClock.Guard stranger = sameClock ? clock.guard() : other.guard().sibling();
    assertThatThrownBy(() -> guard.absorb(stranger))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("absorbing a guard that is not a sibling of this one");
  }
}
