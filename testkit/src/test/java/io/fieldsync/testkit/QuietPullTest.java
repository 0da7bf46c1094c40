package io.fieldsync.testkit;

import static io.fieldsync.testkit.FieldSurvey.household;
import static io.fieldsync.testkit.FieldSurvey.uuid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.Record;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A record created and deleted after everything a device received does not reach that device at
 * all; every record the device may hold still gets its delete: rows it pulled, in this run of pages
 * or before, and rows it pushed itself but has not pulled past.
 */
class QuietPullTest extends EndToEndTest {

  @Test
  void aRecordCreatedAndDeletedBetweenTwoPullsIsNotSent() {
    TestDevice office = server.device("office-pc");
    TestDevice tablet = server.device("tablet-1");
    office.sql(household(uuid(1), "north", "Held"));
    office.sync();
    tablet.sync();

    office.sql(
        household(uuid(2), "north", "Lived and died"),
        household(uuid(3), "north", "Stays"),
        household(uuid(4), "south", "Lived and died too"));
    office.sync();
    office.sql(
        "DELETE FROM households WHERE id IN ('" + uuid(2) + "', '" + uuid(4) + "')",
        "DELETE FROM households WHERE id = '" + uuid(1) + "'");
    office.sync();

    int pulled = tablet.sync().pulled();

    assertThat(pulled).as("the new household and the delete of the one it held").isEqualTo(2);
    assertThat(households(tablet)).containsOnlyKeys(uuid(3));
    server.assertConverged(office, tablet);
  }

  @Test
  void aDevicesOwnInsertGetsItsDeleteThoughItNeverPulledPastIt() {
    TestDevice office = server.device("office-pc");
    String token = server.token("tablet-1");
    FaultyTransport transport = new FaultyTransport(server.http(0, token));
    TestDevice tablet = server.device("tablet-1", builder -> builder.transport(transport));
    tablet.sync();
    office.sql(household(uuid(1), "north", "After the tablet pulled"));
    office.sync();
    tablet.sql(household(uuid(2), "north", "Made by the tablet"));
    transport.cutPullsAfter(transport.pullRequests().size());
    assertThatThrownBy(tablet::sync).hasMessageContaining("injected fault");
    long cursor = tablet.client().status().cursor();
    office.sync();
    office.sql("DELETE FROM households WHERE id = '" + uuid(2) + "'");
    office.sync();

    transport.cutPullsAfter(Integer.MAX_VALUE);
    tablet.sync();

    PullRequest last = transport.pullRequests().get(transport.pullRequests().size() - 1);
    assertThat(last.getCursor()).isEqualTo(cursor);
    assertThat(last.getHeldThrough()).as("its push's written range").isGreaterThan(cursor);
    assertThat(households(tablet)).containsOnlyKeys(uuid(1));
    server.assertConverged(office, tablet);
  }

  @Test
  void aRecordDeliveredEarlyInARunAndDeletedBeforeItEndsIsRemoved() {
    TestDevice office = server.device("office-pc");
    for (int n = 1; n <= 3; n++) {
      office.sql(household(uuid(n), "north", "H" + n));
    }
    office.sync();
    String token = server.token("tablet-1");
    FaultyTransport cut = new FaultyTransport(server.http(0, token)).cutPullsAfter(1);
    TestDevice first =
        server.device("tablet-1", builder -> builder.token(token).transport(cut).pullPageSize(1));
    assertThatThrownBy(first::sync).hasMessageContaining("injected fault: pull 2 cut after 1");
    assertThat(households(first)).as("the run's first page").containsOnlyKeys(uuid(1));
    first.close();
    office.sql("DELETE FROM households WHERE id = '" + uuid(1) + "'");
    office.sync();

    TestDevice resumed =
        server.open(
            "tablet-1", builder -> builder.transport(server.http(0, token)).pullPageSize(1));
    resumed.sync();

    assertThat(households(resumed)).containsOnlyKeys(uuid(2), uuid(3));
    server.assertConverged(office, resumed);
  }

  @Test
  void aPullThatDoesNotSayWhatItHoldsGetsEveryTombstone() throws Exception {
    TestDevice office = server.device("office-pc");
    office.sql(household(uuid(1), "north", "Lived and died"));
    office.sync();
    long created = server.sequence(TestServer.TENANT);
    office.sql("DELETE FROM households WHERE id = '" + uuid(1) + "'");
    office.sync();
    String token = server.token("script");
    PullRequest old = PullRequest.newBuilder().setCursor(0).build();

    assertThat(server.raw().pull(token, old).getRecordsList())
        .extracting(Record::getDeleted)
        .containsExactly(true);
    assertThat(server.raw().pull(token, old.toBuilder().setHeldThrough(0).build()).getRecordsList())
        .isEmpty();
    assertThat(
            server
                .raw()
                .pull(token, old.toBuilder().setHeldThrough(created).build())
                .getRecordsList())
        .as("held through its creation: the device may hold it")
        .extracting(Record::getRecordId)
        .containsExactly(uuid(1));
  }

  /**
   * Random households created, edited and deleted between the pulls of a tablet that pulls in small
   * pages: each pull carries exactly the live records changed since the tablet's last pull and the
   * deletes of records it held (counted from what the test did), and the tablet ends with the
   * server's rows.
   */
  @SeededTest
  void eachPullCarriesOnlyWhatTheDeviceCanUse(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    TestDevice office = server.device("office-pc");
    TestDevice tablet = server.device("tablet-1");
    Map<String, String> held = new TreeMap<>();
    Map<String, String> live = new TreeMap<>();
    int next = 1;
    for (int round = 0; round < 4; round++) {
      List<String> changed = new ArrayList<>();
      for (int batch = 0; batch < 3; batch++) {
        int actions = 1 + random.nextInt(4);
        for (int i = 0; i < actions; i++) {
          List<String> ids = new ArrayList<>(live.keySet());
          int action = ids.isEmpty() ? 0 : random.nextInt(3);
          if (action == 0) {
            String id = uuid(next++);
            office.sql(household(id, "north", "H" + id.substring(30)));
            live.put(id, "H" + id.substring(30));
            changed.add(id);
          } else {
            String id = ids.get(random.nextInt(ids.size()));
            if (action == 1) {
              String name = "E" + next++;
              office.sql(
                  "UPDATE households SET head_name = '" + name + "' WHERE id = '" + id + "'");
              live.put(id, name);
            } else {
              office.sql("DELETE FROM households WHERE id = '" + id + "'");
              live.remove(id);
            }
            changed.add(id);
          }
        }
        office.sync();
      }
      long expected =
          changed.stream()
              .distinct()
              .filter(id -> live.containsKey(id) || held.containsKey(id))
              .count();

      int pulled = tablet.sync().pulled();

      assertThat(pulled).as("round %d (seed %d)", round, seed).isEqualTo(expected);
      held.clear();
      held.putAll(live);
      Map<String, String> names = new TreeMap<>();
      households(tablet).forEach((id, row) -> names.put(id, (String) row.get("head_name")));
      assertThat(names).isEqualTo(live);
    }
    server.assertConverged(office, tablet);
  }

  private static Map<String, Map<String, Object>> households(TestDevice device) {
    return device.snapshot().rows("households");
  }
}
