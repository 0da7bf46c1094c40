package io.fieldsync.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.ConfigException;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.SyncWorker;
import io.fieldsync.client.WorkerEvent;
import io.fieldsync.client.transport.EncodedPush;
import io.fieldsync.client.transport.LiveSocket;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.testkit.Eventually;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.SchemaResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pause()}, {@code resume()} and {@code signOut(wipe)} against a real server. */
class PauseAndSignOutTest {
  @TempDir Path dir;
  TestServer server;

  @BeforeEach
  void start() {
    server = TestServer.start(dir);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** Counts every request a device makes, the live channel's opening included. */
  static final class CountingTransport implements Transport {
    final Transport http;
    final AtomicInteger requests = new AtomicInteger();

    CountingTransport(Transport http) {
      this.http = http;
    }

    @Override
    public SchemaResponse schema() {
      requests.incrementAndGet();
      return http.schema();
    }

    @Override
    public PushResponse push(PushRequest request) {
      requests.incrementAndGet();
      return http.push(request);
    }

    @Override
    public PushResponse push(EncodedPush push) {
      requests.incrementAndGet();
      return http.push(push);
    }

    @Override
    public PullResponse pull(PullRequest request) {
      requests.incrementAndGet();
      return http.pull(request);
    }

    @Override
    public void health() {
      requests.incrementAndGet();
      http.health();
    }

    @Override
    public LiveSocket live(LiveSocket.Listener listener) {
      requests.incrementAndGet();
      return http.live(listener);
    }
  }

  private static String household(int n) {
    return String.format(
        "INSERT INTO households (id, region, head_name) VALUES"
            + " ('01890000-0000-7000-8000-%012d', 'north', 'Head %d')",
        n, n);
  }

  private long households(TestDevice device) {
    return ((Number) device.value("SELECT count(*) FROM households")).longValue();
  }

  private long serverHouseholds() {
    return server.snapshot().toString().lines().filter(line -> line.contains("Head ")).count();
  }

  @Test
  void aPausedWorkerMakesNoRequestButCapturesWritesAndSyncsThemOnResume() throws Exception {
    CountingTransport counting = new CountingTransport(server.http(0, server.token("tablet")));
    TestDevice device =
        server.device(
            "tablet", builder -> builder.transport(counting).syncInterval(Duration.ofMillis(100)));
    TestDevice office = server.device("office");
    WorkerEvents events = new WorkerEvents();
    SyncWorker worker = device.client().startWorker();
    worker.addListener(events.all::add);
    device.sql(household(1));
    Eventually.until("the first household reaches the server", () -> serverHouseholds() == 1);
    Eventually.until("the live channel is open", () -> worker.status().live());

    device.client().pause();
    int before = counting.requests.get();
    assertThat(worker.isPaused()).isTrue();
    assertThat(worker.status().live()).isFalse();
    device.sql(household(2), household(3));
    office.sql(household(4));
    office.sync();
    // Several write polls and sync intervals pass.
    Thread.sleep(600);
    assertThat(counting.requests.get()).as("requests while paused").isEqualTo(before);
    assertThat(device.client().status().pending()).as("captured while paused").isEqualTo(2);
    assertThat(serverHouseholds()).isEqualTo(2);
    assertThat(households(device)).isEqualTo(3);

    device.client().resume();
    Eventually.until(
        "the writes made while paused reach the server and the office's arrives",
        () -> serverHouseholds() == 4 && households(device) == 4,
        () -> events.all.toString());
    assertThat(events.has(WorkerEvent.Paused.class)).isTrue();
    assertThat(events.has(WorkerEvent.Resumed.class)).isTrue();
    assertThat(events.of(WorkerEvent.Syncing.class))
        .extracting(WorkerEvent.Syncing::trigger)
        .contains("resume");
    office.sync();
    server.assertConverged(device, office);
  }

  @Test
  void signingOutWithoutWipeForgetsTheTokenAndKeepsTheData() throws Exception {
    TestDevice device = server.device("tablet");
    device.sql(household(1));
    device.sync();

    device.client().signOut(false);

    assertThat(device.database()).exists();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + device.database());
        ResultSet token =
            c.createStatement().executeQuery("SELECT count(*) FROM _fs_meta WHERE key = 'token'")) {
      assertThat(token.getLong(1)).isZero();
    }
    assertThatThrownBy(() -> FieldSyncClient.open(device.database()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("stores no server URL and token");
    try (FieldSyncClient again =
        FieldSyncClient.builder(device.database()).token(server.token("tablet")).open()) {
      again.syncNow();
      assertThat(again.status().cursor()).isPositive();
    }
    assertThatThrownBy(device.client()::syncNow).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void wipingIsRefusedWhileChangesAreNotPushedAndDeletesEveryFileOnceTheyAre() throws Exception {
    TestDevice device = server.device("tablet");
    device.sql(household(1));

    assertThatThrownBy(() -> device.client().signOut(true))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            device.database()
                + " holds 1 captured change(s) not pushed yet, 0 push batch(es) not acknowledged"
                + " and 0 rejected change(s); sync (and retry or discard the rejected ones) first,"
                + " or call signOut(true, true) to delete them with the device's data");
    assertThat(households(device)).as("nothing changed").isEqualTo(1);
    device.sync();

    device.client().signOut(true);

    assertThat(serverHouseholds()).isEqualTo(1);
    try (var files = Files.list(dir)) {
      assertThat(files.map(file -> file.getFileName().toString()))
          .noneMatch(name -> name.startsWith("tablet.db"));
    }
  }

  @Test
  void aForcedWipeDeletesUnpushedChanges() throws Exception {
    TestDevice device = server.device("tablet");
    device.sql(household(1));

    device.client().signOut(true, true);

    assertThat(device.database()).doesNotExist();
    assertThat(serverHouseholds()).isZero();
  }
}
