package io.fieldsync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.internal.state.DeviceFixture;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A commit hook fires before its commit is visible; on a busy machine the commit may show long
 * after. The watch keeps asking to be woken soon until it does, and then falls back to the poll.
 */
class LocalWriteWatchTest {
  private static final Duration POLL = Duration.ofHours(1);
  private static final long MS = 1_000_000L;

  @TempDir Path dir;

  @Test
  void aCommitShowingLongAfterItsHookIsStillLookedForSoonAndThenOnlyByThePoll() throws Exception {
    try (DeviceFixture device = DeviceFixture.create(dir.resolve("device.db"));
        Connection watchConnection = device.connection();
        LocalWriteWatch watch = new LocalWriteWatch(watchConnection)) {
      long hook = 1_000 * MS;
      watch.hookFired(hook);
      assertThat(watch.wroteSinceLastLook()).isFalse();
      assertThat(watch.nextLookWithin(hook, POLL)).isEqualTo(Duration.ofMillis(1));
      // Half a second later the commit has still not shown: keep looking every 10 ms.
      assertThat(watch.wroteSinceLastLook()).isFalse();
      assertThat(watch.nextLookWithin(hook + 500 * MS, POLL)).isEqualTo(Duration.ofMillis(10));

      device.sql(
          "INSERT INTO households (id, region) VALUES ('" + DeviceFixture.H1 + "', 'north')");

      assertThat(watch.wroteSinceLastLook()).isTrue();
      assertThat(watch.nextLookWithin(hook + 510 * MS, POLL)).isEqualTo(POLL);
      assertThat(watch.wroteSinceLastLook()).isFalse();
    }
  }

  @Test
  void aHookWhoseCommitNeverShowsStopsTheQuickLooksAfterTheWindow() throws Exception {
    CommitRecheck recheck = new CommitRecheck();
    long poll = POLL.toNanos();
    long hook = 5 * MS;
    recheck.hookFired(hook);
    assertThat(recheck.nextLookWithin(hook + 9 * MS, poll)).isEqualTo(MS);
    assertThat(recheck.nextLookWithin(hook + 10 * MS, poll)).isEqualTo(10 * MS);
    assertThat(recheck.nextLookWithin(hook + 1_999 * MS, poll)).isEqualTo(10 * MS);
    assertThat(recheck.nextLookWithin(hook + 2_000 * MS, poll)).isEqualTo(poll);
    assertThat(recheck.nextLookWithin(hook + 10 * MS, poll))
        .as("the window, once over, stays over")
        .isEqualTo(poll);
    recheck.hookFired(hook + 3_000 * MS);
    assertThat(recheck.nextLookWithin(hook + 3_020 * MS, 4 * MS))
        .as("never later than the poll")
        .isEqualTo(4 * MS);
    recheck.seen();
    assertThat(recheck.nextLookWithin(hook + 3_021 * MS, poll)).isEqualTo(poll);
  }
}
