package io.fieldsync.testkit;

import static io.fieldsync.testkit.FieldSurvey.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The review queue writes records too: what it writes into a table scoped through a parent takes
 * the parent's scope, and a parent it moves carries its children, as a push would.
 */
class ScopeThroughParentsReviewTest extends EndToEndTest {
  private final String north = uuid(1);
  private final String north2 = uuid(2);
  private final String south = uuid(3);
  private final String note = uuid(10);
  private TestDevice office;
  private TestDevice northern;
  private TestDevice southern;

  @Override
  Schema schema() {
    return SchemaLoader.parse(
        """
        version: 1
        tables:
          households:
            scope: region
            columns:
              id:     { type: uuid, primary_key: true }
              region: { type: text }
          notes:
            scope: { via: household_id }
            columns:
              id:           { type: uuid, primary_key: true }
              household_id: { type: uuid, references: households, on_parent_delete: review, conflict: manual }
              body:         { type: text }
        """);
  }

  @BeforeEach
  void data() {
    office = server.device("office-pc");
    northern = scoped("tablet-north", "region:north");
    southern = scoped("tablet-south", "region:south");
    office.sql(
        household(north, "north"),
        household(north2, "north"),
        household(south, "south"),
        "INSERT INTO notes (id, household_id, body) VALUES ('" + note + "', '" + north + "', 'a')");
    office.sync();
    northern.sync();
    southern.sync();
  }

  private TestDevice scoped(String name, String scope) {
    return server.device(name, builder -> builder.token(server.scopedToken(name, List.of(scope))));
  }

  private static String household(String id, String region) {
    return "INSERT INTO households (id, region) VALUES ('" + id + "', '" + region + "')";
  }

  private static Map<String, Map<String, Object>> notes(TestDevice device) {
    return device.snapshot().rows("notes");
  }

  @Test
  void aParkedNoteTakenFromTheDeviceReachesTheDevicesOfItsHousehold() throws Exception {
    String late = uuid(11);
    office.sql("DELETE FROM households WHERE id = '" + north2 + "'");
    office.sync();
    northern.sql(
        "INSERT INTO notes (id, household_id, body) VALUES ('"
            + late
            + "', '"
            + north2
            + "', 'written offline')");
    northern.sync();
    long item = server.review().onlyItem().get("id").getAsLong();

    assertThat(server.review().resolve(item, "{\"action\":\"take_device\"}").statusCode())
        .isEqualTo(200);
    TestDevice fresh = scoped("tablet-north-2", "region:north");
    fresh.sync();
    southern.sync();

    assertThat(notes(fresh)).containsOnlyKeys(note, late);
    assertThat(notes(fresh).get(late)).containsEntry("body", "written offline");
    assertThat(notes(southern)).isEmpty();
  }

  @Test
  void aParentSetFromTheReviewQueueMovesTheNoteToItsScope() throws Exception {
    String north3 = uuid(4);
    office.sql(household(north3, "north"));
    office.sync();
    northern.sync();
    office.sql("UPDATE notes SET household_id = '" + north2 + "' WHERE id = '" + note + "'");
    northern.sql(
        "UPDATE notes SET household_id = '" + north3 + "', body = 'b' WHERE id = '" + note + "'");
    office.sync();
    northern.sync();
    long item = server.review().onlyItem().get("id").getAsLong();

    assertThat(
            server
                .review()
                .resolve(item, "{\"action\":\"set\",\"value\":\"" + south + "\"}")
                .statusCode())
        .isEqualTo(200);
    northern.sync();
    southern.sync();

    assertThat(notes(northern)).isEmpty();
    assertThat(notes(southern)).containsOnlyKeys(note);
    assertThat(notes(southern).get(note))
        .containsEntry("household_id", south)
        .containsEntry("body", "b");
  }
}
