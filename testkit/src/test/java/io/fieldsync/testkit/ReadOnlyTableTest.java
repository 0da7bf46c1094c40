package io.fieldsync.testkit;

import static io.fieldsync.testkit.FieldSurvey.household;
import static io.fieldsync.testkit.FieldSurvey.uuid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.StorageException;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.ChangeResult;
import io.fieldsync.wire.ChangeStatus;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.Value;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A table marked {@code read_only: true} flows only from the server: an admin token writes its
 * rows, devices receive them through pulls, verify and resync, their triggers refuse local writes
 * without capturing, and a pushed change to it is rejected and stores nothing.
 */
class ReadOnlyTableTest {
  static final String DISTRICTS =
      """
        districts:
          read_only: true
          columns:
            id:   { type: text, primary_key: true }
            name: { type: text, required: true }
      """;

  @TempDir Path dir;
  private TestServer server;
  private String admin;
  private long nextHlc = 1;

  /** The example schema with a read-only table added. */
  static String schemaWithDistricts() {
    try {
      return Files.readString(TestServer.exampleSchemaFile(), StandardCharsets.UTF_8) + DISTRICTS;
    } catch (IOException e) {
      throw new StorageException("reading the example schema: " + e.getMessage(), e);
    }
  }

  @BeforeEach
  void startServer() {
    server = TestServer.builder(dir).schema(schemaWithDistricts()).start();
    admin = server.adminToken(TestServer.TENANT);
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  @Test
  void rowsWrittenByAnAdminReachDevicesThroughPulls() throws Exception {
    TestDevice tablet = server.device("tablet-1");
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("d-north", "North");
    expected.put("d-south", "South");
    expected.forEach((id, name) -> adminWrite(Op.OP_INSERT, id, name));

    tablet.sync();
    assertThat(names(tablet)).isEqualTo(expected);

    adminWrite(Op.OP_UPDATE, "d-north", "North-East");
    adminWrite(Op.OP_DELETE, "d-south", null);
    expected.put("d-north", "North-East");
    expected.remove("d-south");
    tablet.sync();

    assertThat(names(tablet)).isEqualTo(expected);
    assertThat(tablet.log()).as("pulled rows are not captured").isEmpty();
    server.assertConverged(tablet);
  }

  @Test
  void localWritesFailWithAClearErrorAndCaptureNothing() {
    adminWrite(Op.OP_INSERT, "d-north", "North");
    TestDevice tablet = server.device("tablet-1");
    tablet.sync();

    for (String write :
        List.of(
            "INSERT INTO districts (id, name) VALUES ('d-west', 'West')",
            "UPDATE districts SET name = 'Nord' WHERE id = 'd-north'",
            "DELETE FROM districts WHERE id = 'd-north'",
            "INSERT OR REPLACE INTO districts (id, name) VALUES ('d-north', 'Nord')")) {
      assertThatThrownBy(() -> tablet.sql(write))
          .as(write)
          .isInstanceOf(StorageException.class)
          .hasMessageContaining(
              "table 'districts' is read-only: its rows come from the server, and local writes to"
                  + " it are refused");
    }

    assertThat(names(tablet)).containsExactly(Map.entry("d-north", "North"));
    assertThat(tablet.log()).isEmpty();
    tablet.sql(household(uuid(1), "north", "Amina"));
    assertThat(tablet.log()).as("other tables still capture").hasSize(1);
  }

  @Test
  void aPushedChangeFromADeviceIsRejectedAndStoresNothing() throws Exception {
    adminWrite(Op.OP_INSERT, "d-north", "North");
    long before = server.sequence(TestServer.TENANT);
    String device = server.token("tablet-1");

    PushResponse response =
        server
            .raw()
            .push(
                device,
                PushRequest.newBuilder()
                    .setBatchId(UUID.randomUUID().toString())
                    .addChanges(change(Op.OP_INSERT, "d-west", "West"))
                    .addChanges(change(Op.OP_UPDATE, "d-north", "Nord"))
                    .addChanges(change(Op.OP_DELETE, "d-north", null))
                    .build());

    assertThat(response.getRejected()).isEqualTo(3);
    assertThat(response.getResultsList())
        .extracting(ChangeResult::getStatus)
        .containsOnly(ChangeStatus.REJECTED);
    assertThat(response.getResults(0).getReason())
        .isEqualTo(
            "table 'districts', record 'd-west': the table is read-only: its rows come from the"
                + " server, devices may not write them (only a token with role admin may)");
    assertThat(response.getResults(1).getServerRecord().getFieldsList())
        .as("the device is told what the server holds")
        .anyMatch(field -> field.getValue().getTextValue().equals("North"));
    assertThat(server.sequence(TestServer.TENANT)).isEqualTo(before);
    assertThat(server.query("SELECT id, name FROM districts"))
        .containsExactly(Map.of("id", "d-north", "name", "North"));
  }

  @Test
  void verifyAndResyncRestoreReadOnlyRowsChangedBehindTheTriggers() {
    adminWrite(Op.OP_INSERT, "d-north", "North");
    adminWrite(Op.OP_INSERT, "d-south", "South");
    TestDevice tablet = server.device("tablet-1");
    tablet.sync();
    Map<String, String> expected = names(tablet);

    behindTheTriggers(tablet, "UPDATE districts SET name = 'tampered' WHERE id = 'd-north'");
    behindTheTriggers(tablet, "DELETE FROM districts WHERE id = 'd-south'");
    assertThat(tablet.client().verify().clean()).isFalse();
    assertThat(names(tablet)).isEqualTo(expected);

    behindTheTriggers(tablet, "DELETE FROM districts");
    tablet.client().resync();
    assertThat(names(tablet)).isEqualTo(expected);
    assertThat(tablet.log()).isEmpty();
  }

  /** A write the triggers do not see: capture switched off around it, as a tampering tool could. */
  static void behindTheTriggers(TestDevice device, String sql) {
    device.sql("UPDATE _fs_state SET capture = 0", sql, "UPDATE _fs_state SET capture = 1");
  }

  private void adminWrite(Op op, String id, String name) {
    try {
      PushResponse response =
          server
              .raw()
              .push(
                  admin,
                  PushRequest.newBuilder()
                      .setBatchId(UUID.randomUUID().toString())
                      .addChanges(change(op, id, name))
                      .build());
      assertThat(response.getApplied()).as("admin %s of %s", op, id).isEqualTo(1);
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private Change change(Op op, String id, String name) {
    Change.Builder change =
        Change.newBuilder().setTable("districts").setRecordId(id).setOp(op).setHlc(nextHlc++);
    if (name != null) {
      change.addFields(
          FieldChange.newBuilder()
              .setColumn("name")
              .setValue(Value.newBuilder().setTextValue(name)));
    }
    return change.build();
  }

  private static Map<String, String> names(TestDevice device) {
    Map<String, String> result = new LinkedHashMap<>();
    device
        .query("SELECT id, name FROM districts ORDER BY id")
        .forEach(row -> result.put((String) row.get("id"), (String) row.get("name")));
    return result;
  }
}
