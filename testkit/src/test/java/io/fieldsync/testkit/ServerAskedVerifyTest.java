package io.fieldsync.testkit;

import static io.fieldsync.testkit.FieldSurvey.household;
import static io.fieldsync.testkit.FieldSurvey.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.SyncWorker;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.Value;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The server asks a device to verify when its pushes show that its rows differ from the server's;
 * the device then compares and repairs them by itself, and the operator sees it in the metrics.
 */
class ServerAskedVerifyTest extends EndToEndTest {
  private static final String GHOST = uuid(99);

  @Test
  void aDeviceTamperedBehindItsTriggersIsRepairedWithoutAnyoneAsking() throws Exception {
    TestDevice office = server.device("office-pc");
    TestDevice tablet = server.device("tablet-1");
    office.sql(
        household(uuid(1), "north", "Amina"),
        household(uuid(2), "north", "Ben"),
        household(uuid(3), "north", "Chidi"));
    office.sync();
    tablet.sync();
    Replicas.Snapshot expected = tablet.snapshot();

    tamper(tablet);
    tablet.sql("UPDATE households SET head_name = 'Ghost K' WHERE id = '" + GHOST + "'");
    tablet.sync();

    assertThat(tablet.snapshot().toString()).isEqualTo(expected.toString());
    assertThat(tablet.value("SELECT value FROM _fs_meta WHERE key = 'verify_requested'")).isNull();
    assertThat(verifyRequests()).isEqualTo(1.0);
  }

  @Test
  void theWorkerRepairsATamperedDeviceWhenTheServerAsks() throws Exception {
    TestDevice office = server.device("office-pc");
    TestDevice tablet = server.device("tablet-1");
    office.sql(household(uuid(1), "north", "Amina"), household(uuid(2), "north", "Ben"));
    office.sync();
    tablet.sync();
    Replicas.Snapshot expected = tablet.snapshot();
    tamper(tablet);

    SyncWorker worker = tablet.client().startWorker();
    tablet.sql("UPDATE households SET head_name = 'Ghost K' WHERE id = '" + GHOST + "'");

    Eventually.until(
        "the worker repaired the tampered rows",
        () -> tablet.snapshot().toString().equals(expected.toString()),
        () -> tablet.snapshot().toString());
    worker.close();
    assertThat(verifyRequests()).isEqualTo(1.0);
  }

  @Test
  void aBaseSequenceAheadOfTheTenantsIsASign() throws Exception {
    TestDevice office = server.device("office-pc");
    office.sql(household(uuid(1), "north", "Amina"));
    office.sync();
    long sequence = server.sequence(TestServer.TENANT);

    // Stamped 1, the edit loses to the office's: the sequence stays where it was.
    PushResponse response =
        push(server.token("tablet-1"), rename(uuid(1), "Amina K").setBaseSeq(sequence + 500));

    assertThat(response.getVerifyReason())
        .isEqualTo(
            "table 'households', record '"
                + uuid(1)
                + "': base sequence "
                + (sequence + 500)
                + " is ahead of the tenant's sequence "
                + sequence);
  }

  @Test
  void oneRecordRejectedInThreePushesIsASign() throws Exception {
    String token = server.token("tablet-1");
    Change.Builder misspelt =
        Change.newBuilder()
            .setTable("households")
            .setRecordId(uuid(1))
            .setOp(Op.OP_INSERT)
            .setHlc(1)
            .addFields(FieldChange.newBuilder().setColumn("head_nam"));

    PushResponse first = push(token, misspelt);
    PushResponse second = push(token, misspelt);
    PushResponse third = push(token, misspelt);

    assertThat(first.getRejected()).isEqualTo(1);
    assertThat(first.getVerifyReason()).isEmpty();
    assertThat(second.getVerifyReason()).isEmpty();
    assertThat(push(server.token("tablet-2"), misspelt).getVerifyReason())
        .as("counted per device")
        .isEmpty();
    assertThat(third.getVerifyReason())
        .isEqualTo(
            "table 'households', record '" + uuid(1) + "': rejected in 3 pushes of this device");
    assertThat(verifyRequests()).isEqualTo(1.0);
  }

  /**
   * Writes the triggers do not see, as a tool editing the file could: a row deleted, a value
   * changed and a row the server never had.
   */
  private static void tamper(TestDevice device) {
    ReadOnlyTableTest.behindTheTriggers(
        device, "DELETE FROM households WHERE id = '" + uuid(2) + "'");
    ReadOnlyTableTest.behindTheTriggers(
        device, "UPDATE households SET head_name = 'tampered' WHERE id = '" + uuid(1) + "'");
    ReadOnlyTableTest.behindTheTriggers(device, household(GHOST, "north", "Ghost"));
  }

  private static Change.Builder rename(String id, String name) {
    return Change.newBuilder()
        .setTable("households")
        .setRecordId(id)
        .setOp(Op.OP_UPDATE)
        .setHlc(1)
        .addFields(
            FieldChange.newBuilder()
                .setColumn("head_name")
                .setValue(Value.newBuilder().setTextValue(name)));
  }

  private PushResponse push(String token, Change.Builder change) throws Exception {
    return server
        .raw()
        .push(
            token,
            PushRequest.newBuilder()
                .setBatchId(UUID.randomUUID().toString())
                .addChanges(change)
                .build());
  }

  private double verifyRequests() throws Exception {
    return PrometheusText.sum(
        PrometheusText.parse(server.raw().get("/metrics", null).body(), dir),
        "fieldsync_verify_requested_total",
        Map.of("tenant", TestServer.TENANT));
  }
}
