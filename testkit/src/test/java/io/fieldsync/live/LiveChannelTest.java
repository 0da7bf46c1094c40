package io.fieldsync.live;

import static io.fieldsync.live.LiveSchema.count;
import static io.fieldsync.live.LiveSchema.insertHousehold;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.SyncWorker;
import io.fieldsync.client.WorkerEvent;
import io.fieldsync.testkit.Eventually;
import io.fieldsync.testkit.SeededTest;
import io.fieldsync.testkit.TestDevice;

class LiveChannelTest extends LiveServerTest {
  @SeededTest(seeds = SyncWorkerTest.SEED)
  void writeOnOneDeviceIsAppliedOnTheOtherWithoutAnyoneCallingSync(long seed) throws Exception {
    TestDevice a = server.device("a", SyncWorkerTest.options(seed));
    TestDevice b = server.device("b", SyncWorkerTest.options(seed));
    WorkerEvents eventsB = new WorkerEvents();
    // The interval is 10 minutes: only the live poke can bring B the change in time.
    SyncWorker workerA = a.client().startWorker();
    WorkerEvents eventsA = new WorkerEvents();
    workerA.addListener(eventsA.all::add);
    SyncWorker workerB = b.client().startWorker();
    workerB.addListener(eventsB.all::add);
    Eventually.until(
        "both live channels",
        () -> workerA.status().live() && workerB.status().live(),
        () -> "events of a: " + eventsA.all + "; events of b: " + eventsB.all);
    assertThat(server.server().liveDevices()).isEqualTo(2);

    insertHousehold(a, 1, "Ada");

    Eventually.until("the household on device b", () -> count(b, "households") == 1);
    assertThat(b.value("SELECT head_name FROM households")).isEqualTo("Ada");
    assertThat(eventsB.of(WorkerEvent.Syncing.class))
        .anySatisfy(syncing -> assertThat(syncing.trigger()).isEqualTo("poke"));
    assertThat(eventsB.has(WorkerEvent.Poked.class)).isTrue();
  }
}
