package io.fieldsync.client;

import static io.fieldsync.client.Households.H1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.StorageException;
import io.fieldsync.client.internal.engine.CycleLockHolderMain;
import io.fieldsync.testkit.FaultyTransport;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Never more than one sync cycle per device database: across clients and across processes. */
class CycleLockTest {
  private static final String BUSY = "another process or client is syncing ";

  @TempDir Path dir;
  TestServer server;
  FaultyTransport network;
  TestDevice device;

  @BeforeEach
  void setUp() {
    server = TestServer.builder(dir).schema(Households.SCHEMA_YAML).start();
    network = Households.network(server);
    device = Households.device(server, network);
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  private FieldSyncClient.Builder builder() {
    return Households.over(network).apply(FieldSyncClient.builder(device.database()));
  }

  @Test
  void aSecondClientOfTheSameDatabaseWaitsForTheCycleThenSaysWhyItGaveUp() throws Exception {
    device.sql("INSERT INTO households (id, region) VALUES ('" + H1 + "', 'north')");
    CountDownLatch inPush = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    network.beforePush(
        () -> {
          inPush.countDown();
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    CompletableFuture<SyncResult> first = CompletableFuture.supplyAsync(device::sync);
    assertThat(inPush.await(30, TimeUnit.SECONDS)).isTrue();

    try (FieldSyncClient second = builder().lockWait(Duration.ofMillis(200)).open()) {
      assertThatThrownBy(second::syncNow)
          .isInstanceOf(StorageException.class)
          .hasMessageStartingWith(BUSY + device.database())
          .hasMessageContaining("waited 0 s")
          .satisfies(e -> assertThat(((StorageException) e).isRetriable()).isTrue());
      assertThat(network.pushes()).as("the second client never reached the server").hasSize(1);

      release.countDown();
      assertThat(first.get(30, TimeUnit.SECONDS).pushed()).isEqualTo(1);
      assertThat(second.syncNow().pushed()).as("the first cycle pushed everything").isZero();
    }
  }

  @Test
  void aCycleInAnotherProcessKeepsThisOneOut() throws Exception {
    Process holder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                CycleLockHolderMain.class.getName(),
                device.database().toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).isEqualTo("locked");
      try (FieldSyncClient other = builder().lockWait(Duration.ofMillis(100)).open()) {
        assertThatThrownBy(other::syncNow)
            .isInstanceOf(StorageException.class)
            .hasMessageStartingWith(BUSY + device.database());
        holder.getOutputStream().close();
        assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
        other.syncNow();
      }
    } finally {
      holder.destroyForcibly();
    }
    assertThat(network.pullRequests())
        .as("only the sync after the holder left reached the server")
        .hasSize(1);
  }
}
