package io.fieldsync.client.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.StorageException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lock itself; that a second client's sync cycle waits for the first one, in this process and
 * in another, is shown against a server by the testkit's {@code io.fieldsync.client.CycleLockTest}.
 */
class CycleLockTest {
  private static final String BUSY = "another process or client is syncing ";

  @TempDir Path dir;

  private Path db() {
    return dir.resolve("device.db");
  }

  @Test
  void aSecondLockOfTheSameDatabaseWaitsForTheFirstThenSaysWhyItGaveUp() {
    CycleLock first = new CycleLock(db(), Duration.ofSeconds(10));
    CycleLock second = new CycleLock(db(), Duration.ofMillis(200));
    first.lock();
    try {
      assertThatThrownBy(second::lock)
          .isInstanceOf(StorageException.class)
          .hasMessageStartingWith(BUSY + db())
          .hasMessageContaining("waited 0 s")
          .satisfies(e -> assertThat(((StorageException) e).isRetriable()).isTrue());
      assertThat(second.local().isHeldByCurrentThread()).isFalse();
    } finally {
      first.unlock();
    }

    second.lock();
    second.unlock();
    first.close();
    second.close();
  }

  @Test
  void aHolderInAnotherProcessKeepsThisOneOutUntilItLeaves() throws Exception {
    Process holder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                CycleLockHolderMain.class.getName(),
                db().toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    CycleLock lock = new CycleLock(db(), Duration.ofMillis(100));
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).isEqualTo("locked");
      assertThatThrownBy(lock::lock)
          .isInstanceOf(StorageException.class)
          .hasMessageStartingWith(BUSY + db());
      holder.getOutputStream().close();
      assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();

      lock.lock();
      lock.unlock();
    } finally {
      holder.destroyForcibly();
      lock.close();
    }
  }
}
