package io.fieldsync.testkit;

import static io.fieldsync.testkit.FieldSurvey.household;
import static io.fieldsync.testkit.FieldSurvey.uuid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.StorageException;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.ChangeStatus;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.Value;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A read-only table scoped through a parent: assignments of a household, written by an admin, take
 * the household's region. They reach the devices of that region, leave and arrive as the household
 * moves, and a device's write to them is refused locally and on the server, as for any read-only
 * table.
 */
class ReadOnlyScopeThroughParentsTest extends EndToEndTest {
  private static final String ASSIGNMENTS =
      """
        assignments:
          read_only: true
          scope: { via: household_id }
          columns:
            id:           { type: text, primary_key: true }
            household_id: { type: uuid, references: households }
            task:         { type: text }
      """;

  private final String north = uuid(1);
  private final String south = uuid(2);
  private long nextHlc = 1;

  @Override
  Schema schema() {
    return SchemaLoader.parse(FieldSurvey.withChildren(1, true) + ASSIGNMENTS);
  }

  @Test
  void assignmentsFollowTheirHouseholdAndDevicesMayNotWriteThem() throws Exception {
    TestDevice office = server.device("office-pc");
    TestDevice northern = scoped("tablet-north", "region:north");
    TestDevice southern = scoped("tablet-south", "south");
    office.sql(household(north, "north", "Amina"), household(south, "south", "Chidi"));
    office.sync();
    adminInsert("a-census", north, "census");
    adminInsert("a-water", south, "water survey");
    northern.sync();
    southern.sync();

    assertThat(tasks(northern)).isEqualTo(Map.of("a-census", "census"));
    assertThat(tasks(southern)).isEqualTo(Map.of("a-water", "water survey"));

    office.sql("UPDATE households SET region = 'south' WHERE id = '" + north + "'");
    office.sync();
    northern.sync();
    southern.sync();

    assertThat(tasks(northern)).as("the census left with its household").isEmpty();
    assertThat(tasks(southern))
        .as("and arrived whole in the south")
        .isEqualTo(Map.of("a-census", "census", "a-water", "water survey"));
    assertThat(southern.query("SELECT household_id FROM assignments WHERE id = 'a-census'"))
        .containsExactly(Map.of("household_id", north));

    assertThatThrownBy(
            () -> southern.sql("UPDATE assignments SET task = 'x' WHERE id = 'a-census'"))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining(
            "table 'assignments' is read-only: its rows come from the server, and local writes to"
                + " it are refused");
    assertThat(southern.log()).isEmpty();
    long before = server.sequence(TestServer.TENANT);
    PushResponse pushed =
        server
            .raw()
            .push(
                server.scopedToken("tablet-south", List.of("south")),
                PushRequest.newBuilder()
                    .setBatchId(UUID.randomUUID().toString())
                    .addChanges(assignment(Op.OP_UPDATE, "a-census", null, "changed"))
                    .build());
    assertThat(pushed.getResults(0).getStatus()).isEqualTo(ChangeStatus.REJECTED);
    assertThat(pushed.getResults(0).getReason())
        .isEqualTo(
            "table 'assignments', record 'a-census': the table is read-only: its rows come from the"
                + " server, devices may not write them (only a token with role admin may)");
    assertThat(server.sequence(TestServer.TENANT)).isEqualTo(before);
    southern.sync();
    assertThat(tasks(southern)).containsEntry("a-census", "census");
  }

  private TestDevice scoped(String name, String scope) {
    return server.device(
        name, builder -> builder.token(server.scopedToken(name, List.of(scope))).pullPageSize(2));
  }

  private void adminInsert(String id, String household, String task)
      throws IOException, InterruptedException {
    PushResponse response =
        server
            .raw()
            .push(
                server.adminToken(TestServer.TENANT),
                PushRequest.newBuilder()
                    .setBatchId(UUID.randomUUID().toString())
                    .addChanges(assignment(Op.OP_INSERT, id, household, task))
                    .build());
    assertThat(response.getApplied()).as("admin insert of %s", id).isEqualTo(1);
  }

  private Change assignment(Op op, String id, String household, String task) {
    Change.Builder change =
        Change.newBuilder().setTable("assignments").setRecordId(id).setOp(op).setHlc(nextHlc++);
    if (household != null) {
      change.addFields(
          FieldChange.newBuilder()
              .setColumn("household_id")
              .setValue(Value.newBuilder().setTextValue(household)));
    }
    change.addFields(
        FieldChange.newBuilder().setColumn("task").setValue(Value.newBuilder().setTextValue(task)));
    return change.build();
  }

  private static Map<String, String> tasks(TestDevice device) {
    Map<String, String> result = new TreeMap<>();
    device
        .query("SELECT id, task FROM assignments")
        .forEach(row -> result.put((String) row.get("id"), (String) row.get("task")));
    return result;
  }
}
