package io.fieldsync.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.SyncWorker;
import io.fieldsync.client.WorkerEvent;
import io.fieldsync.client.WorkerOptions;
import io.fieldsync.client.WorkerStatus;
import io.fieldsync.server.ServerConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyncWorkerTest extends LiveFixture {
  static final long SEED = Long.getLong("fieldsync.test.seed", 42L);

  static WorkerOptions options() {
    return WorkerOptions.defaults()
        .withDebounce(Duration.ofMillis(50))
        .withWritePoll(Duration.ofMillis(20))
        .withInterval(Duration.ofMinutes(10))
        .withBackoff(Duration.ofMillis(50), Duration.ofMillis(400))
        .withSeed(SEED);
  }

  @Test
  void workerSyncsAfterTheServerComesBackWithBackoffInItsEvents() throws Exception {
    startServer();
    int port = server.port();
    FieldSyncClient device = device("a");
    Events events = new Events();
    SyncWorker worker = device.startWorker(options());
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
    // failures() drops to 0 a little before Synced is emitted (the cycle still counts the outbox
    // and writes its bookkeeping): wait for the event rather than race it.
    await(
        "a Synced event after coming back online",
        () -> {
          List<WorkerEvent> all = List.copyOf(events.all);
          int at = all.indexOf(events.of(WorkerEvent.Online.class).get(0));
          return all.subList(at, all.size()).stream()
              .anyMatch(event -> event instanceof WorkerEvent.Synced);
        });
    List<WorkerEvent> seen = List.copyOf(events.all);
    int online = seen.indexOf(events.of(WorkerEvent.Online.class).get(0));
    assertThat(seen.subList(online, seen.size()))
        .anySatisfy(event -> assertThat(event).isInstanceOf(WorkerEvent.Synced.class));
  }

  @Test
  void workerStopsWithTheReasonWhenTheTokenIsRevoked() throws Exception {
    startServer();
    int port = server.port();
    FieldSyncClient device = device("a");
    Events events = new Events();
    SyncWorker worker = device.startWorker(options());
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
    assertThat(stopped.reason()).contains("AuthException").contains("401");
    await("the stopped state", () -> worker.status().state() == SyncWorker.State.STOPPED);
    assertThat(worker.status().stopReason()).isEqualTo(stopped.reason());
    assertThat(device.workerStatus().lastError()).contains("401");
  }
}
