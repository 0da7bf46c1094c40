package io.fieldsync.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.SyncWorker;
import io.fieldsync.client.WorkerEvent;
import org.junit.jupiter.api.Test;

class LiveChannelTest extends LiveFixture {

  @Test
  void writeOnOneDeviceIsAppliedOnTheOtherWithoutAnyoneCallingSync() throws Exception {
    startServer();
    FieldSyncClient a = device("a", SyncWorkerTest::options);
    FieldSyncClient b = device("b", SyncWorkerTest::options);
    Events eventsB = new Events();
    // The interval is 10 minutes: only the live poke can bring B the change in time.
    SyncWorker workerA = a.startWorker();
    Events eventsA = new Events();
    workerA.addListener(eventsA.all::add);
    SyncWorker workerB = b.startWorker();
    workerB.addListener(eventsB.all::add);
    await(
        "both live channels",
        () -> workerA.status().live() && workerB.status().live(),
        () -> "events of a: " + eventsA.all + "; events of b: " + eventsB.all);
    assertThat(server.liveDevices()).isEqualTo(2);

    insertHousehold(a, 1, "Ada");

    await(
        "the household on device b",
        () -> {
          try {
            return count(b, "households") == 1;
          } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
          }
        });
    assertThat(scalar(b, "SELECT head_name FROM households")).isEqualTo("Ada");
    assertThat(eventsB.of(WorkerEvent.Syncing.class))
        .anySatisfy(syncing -> assertThat(syncing.trigger()).isEqualTo("poke"));
    assertThat(eventsB.has(WorkerEvent.Poked.class)).isTrue();
  }
}
