package io.fieldsync.live;

import static io.fieldsync.live.LiveSchema.insertHousehold;
import static io.fieldsync.live.LiveSchema.uuid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.SyncWorker;
import io.fieldsync.client.WorkerEvent;
import io.fieldsync.client.WorkerStatus;
import io.fieldsync.testkit.Eventually;
import io.fieldsync.testkit.SeededTest;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

class SyncWorkerTest extends LiveServerTest {
  /** The backoff jitter's seed unless {@code -Dfieldsync.seed=N} asks for another. */
  static final long SEED = 42;

  static UnaryOperator<FieldSyncClient.Builder> options(long seed) {
    return builder ->
        builder
            .debounce(Duration.ofMillis(50))
            .writePoll(Duration.ofMillis(20))
            .syncInterval(Duration.ofMinutes(10))
            .backoff(Duration.ofMillis(50), Duration.ofMillis(400))
            .workerSeed(seed);
  }

  @SeededTest(seeds = SEED)
  void workerSyncsAfterTheServerComesBackWithBackoffInItsEvents(long seed) throws Exception {
    TestDevice device = server.device("a", options(seed));
    WorkerEvents events = new WorkerEvents();
    SyncWorker worker = device.client().startWorker();
    worker.addListener(events.all::add);
    Eventually.until("the first sync", () -> worker.status().lastSuccessAt() != null);

    server.stop();
    insertHousehold(device, 1, "Ada");
    Eventually.until(
        "three failed attempts", () -> events.of(WorkerEvent.Failed.class).size() >= 3);
    assertThat(events.has(WorkerEvent.Offline.class)).isTrue();
    assertThat(worker.status().online()).isFalse();
    assertThat(worker.status().pending()).isGreaterThanOrEqualTo(0);
    assertThat(worker.status().nextRetryAt()).isNotNull();

    List<WorkerEvent.Failed> failed = events.of(WorkerEvent.Failed.class);
    for (int i = 0; i < 3; i++) {
      WorkerEvent.Failed failure = failed.get(i);
      long cap = Math.min(400, 50L << i);
      assertThat(failure.attempt()).as("seed %d", seed).isEqualTo(i + 1);
      assertThat(failure.retryIn().toMillis())
          .as("attempt %d, seed %d", i + 1, seed)
          .isBetween(cap / 2, cap);
    }

    server.restart();
    Eventually.until(
        "the write to reach the restarted server",
        () ->
            server
                .store()
                .records(TestServer.TENANT, "households", List.of(uuid(1)))
                .containsKey(uuid(1)));
    Eventually.until("the worker to report success", () -> worker.status().failures() == 0);
    WorkerStatus status = worker.status();
    assertThat(status.online()).isTrue();
    assertThat(status.lastError()).isNull();
    assertThat(status.nextRetryAt()).isNull();
    assertThat(status.pending()).isZero();
    assertThat(events.has(WorkerEvent.Online.class)).isTrue();
    // The worker updates its status before it emits Synced: wait for the event, not just the
    // status (this raced and failed once in a full verify).
    Eventually.until(
        "a Synced event after Online",
        () -> {
          List<WorkerEvent> seen = List.copyOf(events.all);
          int online = seen.indexOf(events.of(WorkerEvent.Online.class).get(0));
          return seen.subList(online, seen.size()).stream()
              .anyMatch(WorkerEvent.Synced.class::isInstance);
        },
        () -> "events: " + events.all);
  }

  @SeededTest(seeds = SEED)
  void workerStopsWithTheReasonWhenTheTokenIsRevoked(long seed) throws Exception {
    TestDevice device = server.device("a", options(seed));
    WorkerEvents events = new WorkerEvents();
    SyncWorker worker = device.client().startWorker();
    worker.addListener(events.all::add);
    Eventually.until("the first sync", () -> worker.status().lastSuccessAt() != null);

    // A new secret: every token minted with the old one is refused from now on.
    server.restartWithNewSecret();
    insertHousehold(device, 1, "Ada");

    Eventually.until("the worker to stop", () -> events.has(WorkerEvent.Stopped.class));
    WorkerEvent.Stopped stopped = events.of(WorkerEvent.Stopped.class).get(0);
    assertThat(stopped.fatal()).isTrue();
    assertThat(stopped.reason()).startsWith("not authorized: ").contains("returned 401");
    Eventually.until(
        "the stopped state", () -> worker.status().state() == SyncWorker.State.STOPPED);
    assertThat(worker.status().stopReason()).isEqualTo(stopped.reason());
    assertThat(device.client().workerStatus().lastError()).contains("401");
  }

  @SeededTest(seeds = SEED)
  void workerStopsWithTheReasonWhenAnAdminRevokesItsDevice(long seed) throws Exception {
    TestDevice device = server.device("a", options(seed));
    WorkerEvents events = new WorkerEvents();
    SyncWorker worker = device.client().startWorker();
    worker.addListener(events.all::add);
    Eventually.until("the first sync", () -> worker.status().lastSuccessAt() != null);

    String admin = server.adminToken(TestServer.TENANT);
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

    Eventually.until("the worker to stop", () -> events.has(WorkerEvent.Stopped.class));
    WorkerEvent.Stopped stopped = events.of(WorkerEvent.Stopped.class).get(0);
    assertThat(stopped.fatal()).isTrue();
    // The live channel or the push may be the first to hear the 401; a sync says why.
    assertThat(stopped.reason()).startsWith("not authorized: ").contains("401");
    assertThatThrownBy(device::sync)
        .isInstanceOf(io.fieldsync.AuthException.class)
        .hasMessageContaining("the tokens of device 'a' issued up to")
        .hasMessageEndingWith("were revoked; get a new token");
    assertThat(device.client().status().pending()).as("the write waits in the outbox").isEqualTo(1);
  }
}
