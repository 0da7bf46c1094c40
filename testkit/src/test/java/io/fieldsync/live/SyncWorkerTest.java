package io.fieldsync.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.SyncWorker;
import io.fieldsync.client.WorkerEvent;
import io.fieldsync.client.WorkerStatus;
import io.fieldsync.server.ServerConfig;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyncWorkerTest extends LiveFixture {
  static final long SEED = Long.getLong("fieldsync.test.seed", 42L);

  static FieldSyncClient.Builder options(FieldSyncClient.Builder builder) {
    return builder
        .debounce(Duration.ofMillis(50))
        .writePoll(Duration.ofMillis(20))
        .syncInterval(Duration.ofMinutes(10))
        .backoff(Duration.ofMillis(50), Duration.ofMillis(400))
        .workerSeed(SEED);
  }

  @Test
  void workerSyncsAfterTheServerComesBackWithBackoffInItsEvents() throws Exception {
    startServer();
    int port = server.port();
    FieldSyncClient device = device("a", SyncWorkerTest::options);
    Events events = new Events();
    SyncWorker worker = device.startWorker();
    worker.addListener(events.all::add);
    await("the first sync", () -> worker.status().lastSuccessAt() != null);

    server.close();
    server = null;
    insertHousehold(device, 1, "Ada");
    await("three failed attempts", () -> events.of(WorkerEvent.Failed.class).size() >= 3);
    assertThat(events.has(WorkerEvent.Offline.class)).isTrue();
    assertThat(worker.status().online()).isFalse();
    assertThat(worker.status().pending()).isGreaterThanOrEqualTo(0);
    assertThat(worker.status().nextRetryAt()).isNotNull();

    List<WorkerEvent.Failed> failed = events.of(WorkerEvent.Failed.class);
    for (int i = 0; i < 3; i++) {
      WorkerEvent.Failed failure = failed.get(i);
      long cap = Math.min(400, 50L << i);
      assertThat(failure.attempt()).as("seed %d", SEED).isEqualTo(i + 1);
      assertThat(failure.retryIn().toMillis())
          .as("attempt %d, seed %d", i + 1, SEED)
          .isBetween(cap / 2, cap);
    }

    startServer(port, SECRET, ServerConfig.DEFAULT_TOMBSTONE_HORIZON_MILLIS);
    await(
        "the write to reach the restarted server",
        () -> store.records(TENANT, "households", List.of(uuid(1))).containsKey(uuid(1)));
    await("the worker to report success", () -> worker.status().failures() == 0);
    WorkerStatus status = worker.status();
    assertThat(status.online()).isTrue();
    assertThat(status.lastError()).isNull();
    assertThat(status.nextRetryAt()).isNull();
    assertThat(status.pending()).isZero();
    assertThat(events.has(WorkerEvent.Online.class)).isTrue();
    // The worker updates its status before it emits Synced: wait for the event, not just the
    // status (this raced and failed once in a full verify).
    await(
        "a Synced event after Online",
        () -> {
          List<WorkerEvent> seen = List.copyOf(events.all);
          int online = seen.indexOf(events.of(WorkerEvent.Online.class).get(0));
          return seen.subList(online, seen.size()).stream()
              .anyMatch(WorkerEvent.Synced.class::isInstance);
        },
        () -> "events: " + events.all);
  }

  @Test
  void workerStopsWithTheReasonWhenTheTokenIsRevoked() throws Exception {
    startServer();
    int port = server.port();
    FieldSyncClient device = device("a", SyncWorkerTest::options);
    Events events = new Events();
    SyncWorker worker = device.startWorker();
    worker.addListener(events.all::add);
    await("the first sync", () -> worker.status().lastSuccessAt() != null);

    // A new secret: every token minted with the old one is refused from now on.
    server.close();
    startServer(
        port,
        "another-secret-another-secret-another".getBytes(StandardCharsets.UTF_8),
        ServerConfig.DEFAULT_TOMBSTONE_HORIZON_MILLIS);
    insertHousehold(device, 1, "Ada");

    await("the worker to stop", () -> events.has(WorkerEvent.Stopped.class));
    WorkerEvent.Stopped stopped = events.of(WorkerEvent.Stopped.class).get(0);
    assertThat(stopped.fatal()).isTrue();
    assertThat(stopped.reason()).startsWith("not authorized: ").contains("returned 401");
    await("the stopped state", () -> worker.status().state() == SyncWorker.State.STOPPED);
    assertThat(worker.status().stopReason()).isEqualTo(stopped.reason());
    assertThat(device.workerStatus().lastError()).contains("401");
  }

  @Test
  void workerStopsWithTheReasonWhenAnAdminRevokesItsDevice() throws Exception {
    startServer();
    FieldSyncClient device = device("a", SyncWorkerTest::options);
    Events events = new Events();
    SyncWorker worker = device.startWorker();
    worker.addListener(events.all::add);
    await("the first sync", () -> worker.status().lastSuccessAt() != null);

    String admin =
        server.tokens().mint(TENANT, "console", null, "admin", List.of(), Duration.ofHours(1));
    HttpResponse<String> revoked =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(server.uri().resolve("/v1/admin/revoke"))
                    .header("Authorization", "Bearer " + admin)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"device\":\"a\"}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);
    insertHousehold(device, 1, "Ada");

    await("the worker to stop", () -> events.has(WorkerEvent.Stopped.class));
    WorkerEvent.Stopped stopped = events.of(WorkerEvent.Stopped.class).get(0);
    assertThat(stopped.fatal()).isTrue();
    // The live channel or the push may be the first to hear the 401; a sync says why.
    assertThat(stopped.reason()).startsWith("not authorized: ").contains("401");
    assertThatThrownBy(device::syncNow)
        .isInstanceOf(io.fieldsync.AuthException.class)
        .hasMessageContaining("the tokens of device 'a' issued up to")
        .hasMessageEndingWith("were revoked; get a new token");
    assertThat(device.status().pending()).as("the write waits in the outbox").isEqualTo(1);
  }
}
