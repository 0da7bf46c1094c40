package io.fieldsync.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.StorageException;
import io.fieldsync.client.internal.engine.CycleLockHolderMain;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Never more than one sync cycle per device database: across clients and across processes. */
class CycleLockTest extends ClientFixture {

  private static final String BUSY = "another process or client is syncing ";

  @Test
  void aSecondClientOfTheSameDatabaseWaitsForTheCycleThenSaysWhyItGaveUp() throws Exception {
    init();
    sql("INSERT INTO households (id, region) VALUES ('" + H1 + "', 'north')");
    CountDownLatch inPush = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    server.onPush =
        request -> {
          inPush.countDown();
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return FakeServer.applyAll(request);
        };
    CompletableFuture<SyncResult> first = CompletableFuture.supplyAsync(client::syncNow);
    assertThat(inPush.await(30, TimeUnit.SECONDS)).isTrue();

    try (FieldSyncClient second = builder().lockWait(Duration.ofMillis(200)).open()) {
      assertThatThrownBy(second::syncNow)
          .isInstanceOf(StorageException.class)
          .hasMessageStartingWith(BUSY + db())
          .hasMessageContaining("waited 0 s")
          .satisfies(e -> assertThat(((StorageException) e).isRetriable()).isTrue());
      assertThat(server.pushes).as("the second client never reached the server").hasSize(1);

      release.countDown();
      assertThat(first.get(30, TimeUnit.SECONDS).pushed()).isEqualTo(1);
      assertThat(second.syncNow().pushed()).as("the first cycle pushed everything").isZero();
    }
  }

  @Test
  void aCycleInAnotherProcessKeepsThisOneOut() throws Exception {
    init();
    Process holder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                CycleLockHolderMain.class.getName(),
                db().toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).isEqualTo("locked");
      try (FieldSyncClient other = builder().lockWait(Duration.ofMillis(100)).open()) {
        assertThatThrownBy(other::syncNow)
            .isInstanceOf(StorageException.class)
            .hasMessageStartingWith(BUSY + db());
        holder.getOutputStream().close();
        assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
        other.syncNow();
      }
    } finally {
      holder.destroyForcibly();
    }
    assertThat(server.pulls)
        .as("only the sync after the holder left reached the server")
        .hasSize(1);
  }
}
