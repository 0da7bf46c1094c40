package io.fieldsync.server.pull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.server.ServerConfig;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.sqlite.SqliteStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PullAhead} on its own: a prepared page is handed out only once, only for the key it was
 * prepared for, only while fresh, never after a failure and never waited for while still queued.
 * What the server hands out over HTTP is tested in the testkit module's {@code PullAheadTest}.
 */
class PullAheadTest {
  private static final Schema SCHEMA =
      SchemaLoader.parse(
          """
          version: 1
          tables:
            households:
              columns:
                id: { type: uuid, primary_key: true }
          """);
  private static final byte[] SECRET =
      "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  @TempDir Path dir;

  /** Work that says when it started, so a test takes only pages whose preparation has begun. */
  private static final class Work {
    final CountDownLatch started = new CountDownLatch(1);
    final AtomicBoolean ran = new AtomicBoolean();
    final CountDownLatch release;
    final String value;

    Work(String value, CountDownLatch release) {
      this.value = value;
      this.release = release;
    }

    Work(String value) {
      this(value, new CountDownLatch(0));
    }

    String get() {
      ran.set(true);
      started.countDown();
      try {
        assertThat(release.await(30, TimeUnit.SECONDS)).isTrue();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      if (value == null) {
        throw new IllegalStateException("the store failed");
      }
      return value;
    }

    void awaitStart() throws InterruptedException {
      assertThat(started.await(30, TimeUnit.SECONDS)).as("the preparation started").isTrue();
    }
  }

  @Test
  void aPreparedValueIsTakenOnceForItsKeyOnly() throws Exception {
    AtomicLong clock = new AtomicLong(5_000);
    try (PullAhead<String, String> ahead = new PullAhead<>(1, clock::get)) {
      Work page = new Work("page 2");
      ahead.prepare("d1", "cursor 7", page::get);
      assertThat(ahead.prepared()).isEqualTo(1);
      page.awaitStart();

      assertThat(ahead.take("d2", "cursor 7")).as("another device").isNull();
      assertThat(ahead.take("d1", "cursor 7")).isEqualTo("page 2");
      assertThat(ahead.take("d1", "cursor 7")).as("only once").isNull();
      assertThat(ahead.prepared()).isZero();

      Work other = new Work("page 3");
      ahead.prepare("d1", "cursor 14", other::get);
      other.awaitStart();
      assertThat(ahead.take("d1", "cursor 15")).as("another key").isNull();
      assertThat(ahead.take("d1", "cursor 14"))
          .as("the slot was emptied by the other key's take")
          .isNull();
    }
  }

  @Test
  void aNewerPreparationReplacesTheDevicesEarlierOne() throws Exception {
    AtomicLong clock = new AtomicLong(0);
    try (PullAhead<String, String> ahead = new PullAhead<>(1, clock::get)) {
      Work first = new Work("page 2");
      Work second = new Work("page 2 again");
      Work otherDevice = new Work("d2's page");
      ahead.prepare("d1", "a", first::get);
      first.awaitStart();
      ahead.prepare("d1", "b", second::get);
      ahead.prepare("d2", "a", otherDevice::get);
      second.awaitStart();
      otherDevice.awaitStart();

      assertThat(ahead.prepared()).isEqualTo(2);
      assertThat(ahead.take("d1", "b")).isEqualTo("page 2 again");
      assertThat(ahead.take("d2", "a")).isEqualTo("d2's page");

      Work replaced = new Work("replaced");
      Work replacing = new Work("replacing");
      ahead.prepare("d1", "a", replaced::get);
      replaced.awaitStart();
      ahead.prepare("d1", "b", replacing::get);
      replacing.awaitStart();
      assertThat(ahead.take("d1", "a")).as("the earlier key").isNull();
      assertThat(ahead.prepared()).isZero();
    }
  }

  @Test
  void aPreparedValueExpiresAfterMaxAge() throws Exception {
    AtomicLong clock = new AtomicLong(1_000);
    try (PullAhead<String, String> ahead = new PullAhead<>(1, clock::get)) {
      Work fresh = new Work("fresh");
      ahead.prepare("d1", "k", fresh::get);
      fresh.awaitStart();
      clock.addAndGet(PullAhead.MAX_AGE_MILLIS);
      assertThat(ahead.take("d1", "k")).as("exactly MAX_AGE_MILLIS old").isEqualTo("fresh");

      Work stale = new Work("stale");
      ahead.prepare("d1", "k", stale::get);
      stale.awaitStart();
      clock.addAndGet(PullAhead.MAX_AGE_MILLIS + 1);
      assertThat(ahead.take("d1", "k")).isNull();
      assertThat(ahead.prepared()).isZero();
    }
  }

  @Test
  void aPreparationThatFailedIsNotHandedOut() throws Exception {
    AtomicLong clock = new AtomicLong(0);
    try (PullAhead<String, String> ahead = new PullAhead<>(1, clock::get)) {
      Work failing = new Work(null);
      ahead.prepare("d1", "k", failing::get);
      failing.awaitStart();

      assertThat(ahead.take("d1", "k")).isNull();
      assertThat(ahead.prepared()).isZero();
    }
  }

  @Test
  void aPageStillQueuedIsAbandonedRatherThanWaitedFor() throws Exception {
    AtomicLong clock = new AtomicLong(0);
    try (PullAhead<String, String> ahead = new PullAhead<>(1, clock::get)) {
      CountDownLatch release = new CountDownLatch(1);
      Work busy = new Work("d1's page", release);
      ahead.prepare("d1", "k", busy::get);
      busy.awaitStart();
      Work queued = new Work("d2's page");
      ahead.prepare("d2", "k", queued::get);

      assertThat(ahead.take("d2", "k")).as("queued behind d1's").isNull();
      release.countDown();
      assertThat(ahead.take("d1", "k")).isEqualTo("d1's page");
      Work later = new Work("d3's page");
      ahead.prepare("d3", "k", later::get);
      later.awaitStart(); // the one thread has passed d2's task by now
      assertThat(queued.ran).as("the abandoned page never ran").isFalse();
      assertThat(ahead.take("d3", "k")).isEqualTo("d3's page");
    }
  }

  @Test
  void threadCountsBelowTheirMinimumAreRefused() {
    assertThatThrownBy(() -> new PullAhead<String, String>(0, () -> 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("threads must be at least 1, found 0");
    try (SqliteStore store = new SqliteStore(dir.resolve("config.db"), StoreOptions.DEFAULTS)) {
      ServerConfig.Builder negative =
          ServerConfig.builder(store, SCHEMA, SECRET).pullAheadThreads(-1);
      assertThatThrownBy(negative::build)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("pullAheadThreads must not be negative, found -1");
      assertThat(ServerConfig.builder(store, SCHEMA, SECRET).build().pullAheadThreads())
          .as("default")
          .isEqualTo(ServerConfig.DEFAULT_PULL_AHEAD_THREADS)
          .isEqualTo(1);
      assertThat(
              ServerConfig.builder(store, SCHEMA, SECRET)
                  .pullAheadThreads(0)
                  .build()
                  .pullAheadThreads())
          .as("off")
          .isZero();
    }
  }
}
