package io.fieldsync.live;

import static io.fieldsync.live.LiveSchema.insertHousehold;
import static io.fieldsync.live.LiveSchema.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.SyncWorker;
import io.fieldsync.client.WorkerEvent;
import io.fieldsync.testkit.Eventually;
import io.fieldsync.testkit.SeededTest;
import io.fieldsync.testkit.TestDevice;

/**
 * A server restarted with a newer schema while devices run: a running worker migrates before it
 * applies what was written in the new columns, and keeps syncing.
 */
class SchemaMoveTest extends LiveServerTest {
  /** Version 2 of {@link LiveSchema#YAML}: households gain a text column {@code owner}. */
  static final String WITH_OWNER =
      LiveSchema.YAML
          .replace("version: 1", "version: 2")
          .replace(
              "      active:      { type: boolean }\n",
              "      active:      { type: boolean }\n      owner:       { type: text }\n");

  /**
   * Regression test of the divergence in which device B's worker pulled a change of a column it did
   * not have yet, dropped the value and moved its cursor past it.
   */
  @SeededTest(seeds = SyncWorkerTest.SEED)
  void aRunningWorkerMigratesBeforeItAppliesAValueOfANewColumn(long seed) throws Exception {
    assertThat(WITH_OWNER).contains("owner:").contains("version: 2");
    TestDevice a = server.device("a", SyncWorkerTest.options(seed));
    TestDevice b = server.device("b", SyncWorkerTest.options(seed + 1));
    insertHousehold(a, 1, "Ada");
    a.sync();
    WorkerEvents events = new WorkerEvents();
    SyncWorker worker = b.client().startWorker();
    worker.addListener(events.all::add);
    Eventually.until("b to hold household 1", () -> LiveSchema.count(b, "households") == 1);

    server.restartWith(WITH_OWNER);
    a = server.reopen(a, SyncWorkerTest.options(seed));
    a.sync();
    a.sql("UPDATE households SET owner = 'ann' WHERE id = '" + uuid(1) + "'");
    a.sync();

    TestDevice reader = b;
    Eventually.until(
        "b's worker to pull owner = 'ann'",
        () -> "ann".equals(owner(reader, 1)),
        () -> "b holds owner " + owner(reader, 1) + ", worker events " + events.all);
    assertThat(b.client().schema().version()).isEqualTo(2);
    assertThat(b.value("SELECT head_name FROM households WHERE id = ?", uuid(1))).isEqualTo("Ada");
    assertThat(events.has(WorkerEvent.Stopped.class)).as("events %s", events.all).isFalse();
    assertThat(worker.status().state()).isNotEqualTo(SyncWorker.State.STOPPED);
  }

  /** Device's owner of household n, or what stands in its way. */
  static String owner(TestDevice device, int n) {
    try {
      Object value = device.value("SELECT owner FROM households WHERE id = ?", uuid(n));
      return value == null ? null : value.toString();
    } catch (RuntimeException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }
}
