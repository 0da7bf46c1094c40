package io.fieldsync.testkit;

import static io.fieldsync.testkit.FieldSurvey.household;
import static io.fieldsync.testkit.FieldSurvey.uuid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.client.RejectedChange;
import io.fieldsync.schema.Schema;
import io.fieldsync.wire.PullRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Row scopes end to end: households carry {@code scope: region}; a device whose token holds {@code
 * region:north} receives and may write only northern households, and visits (no scope column)
 * travel to every device of the tenant. The random moves also write members and vaccinations, which
 * take their scope from their household through their parents ({@link
 * FieldSurvey#withScopedChildren}; the fixed cases are in {@link ScopeThroughParentsTest}).
 */
class RowScopeTest extends EndToEndTest {
  private final String north1 = uuid(1);
  private final String north2 = uuid(2);
  private final String south1 = uuid(3);
  private TestDevice office;
  private TestDevice northern;
  private TestDevice southern;

  @BeforeEach
  void data() {
    office = server.device("office-pc");
    northern = scoped("tablet-north", List.of("region:north"));
    southern = scoped("tablet-south", List.of("south"));
    office.sql(
        household(north1, "north", "Amina"),
        household(north2, "north", "Ben"),
        household(south1, "south", "Chidi"),
        "INSERT INTO visits (id, household_id, visited_at, visitor) VALUES ('"
            + uuid(100)
            + "', '"
            + south1
            + "', '2026-11-21T08:15:00Z', 'Dede')");
    office.sync();
  }

  @Override
  Schema schema() {
    return FieldSurvey.withScopedChildren();
  }

  private TestDevice scoped(String name, List<String> scopes) {
    return scoped(name, scopes, 1000);
  }

  private TestDevice scoped(String name, List<String> scopes, int pageSize) {
    TestDevice device =
        server.device(
            name,
            builder -> builder.token(server.scopedToken(name, scopes)).pullPageSize(pageSize));
    return device;
  }

  @Test
  void aNewDevicePullingInPagesIsSentNoRemovalOfRowsItNeverHad() {
    for (int n = 0; n < 30; n++) {
      office.sql(household(uuid(200 + n), "south", "S" + n));
    }
    for (int n = 0; n < 30; n++) {
      office.sql(
          "UPDATE households SET head_name = 'S" + n + "b' WHERE id = '" + uuid(200 + n) + "'");
    }
    office.sync();
    TestDevice paged = scoped("tablet-north-paged", List.of("region:north"), 2);

    int pulled = paged.sync().pulled();

    assertThat(households(paged)).containsOnlyKeys(north1, north2);
    assertThat(pulled)
        .as("its two households and the one visit (visits have no scope column), no removals")
        .isEqualTo(3);
  }

  @Test
  void aRowMovedOutAndThenEditedIsRemovedFromADevicePullingInPages() {
    TestDevice paged = scoped("tablet-north-paged", List.of("region:north"), 1);
    paged.sync();
    office.sql("UPDATE households SET region = 'south' WHERE id = '" + north1 + "'");
    office.sql("UPDATE households SET head_name = 'Amina K' WHERE id = '" + north1 + "'");
    office.sync();

    paged.sync();

    assertThat(households(paged)).containsOnlyKeys(north2);
  }

  @Test
  void aRowDeliveredEarlyInARunAndMovedOutBeforeTheRunEndsIsRemoved() {
    String token = server.scopedToken("tablet-north-cut", List.of("region:north"));
    FaultyTransport cut = new FaultyTransport(server.http(0, token)).cutPullsAfter(1);
    TestDevice first =
        server.device(
            "tablet-north-cut", builder -> builder.token(token).transport(cut).pullPageSize(1));
    assertThatThrownBy(first::sync).hasMessageContaining("injected fault: pull 2 cut after 1");
    assertThat(households(first)).as("the run's first page").containsOnlyKeys(north1);
    first.close();
    office.sql("UPDATE households SET region = 'south' WHERE id = '" + north1 + "'");
    office.sync();

    TestDevice resumed =
        server.open(
            "tablet-north-cut",
            builder -> builder.transport(server.http(0, token)).pullPageSize(1));
    resumed.sync();

    assertThat(cut.pullRequests()).extracting(PullRequest::getSince).containsOnly(0L);
    assertThat(households(resumed)).containsOnlyKeys(north2);
  }

  /** The random moves again, the scoped devices pulling one or two records per page. */
  @SeededTest
  void randomMovesLeaveEachDeviceExactlyItsRowsWhenItPullsInSmallPages(long seed) {
    northern = scoped("tablet-north-small", List.of("region:north"), 1 + (int) (seed & 1));
    southern = scoped("tablet-south-small", List.of("south"), 2 - (int) (seed & 1));
    randomMoves(seed);
  }

  private static Map<String, Map<String, Object>> households(TestDevice device) {
    return device.snapshot().rows("households");
  }

  @Test
  void devicesReceiveOnlyTheRowsOfTheirScopes() {
    northern.sync();
    southern.sync();

    assertThat(households(northern)).containsOnlyKeys(north1, north2);
    assertThat(households(southern)).containsOnlyKeys(south1);
    assertThat(households(office)).containsOnlyKeys(north1, north2, south1);
    assertThat(northern.snapshot().rows("visits")).containsOnlyKeys(uuid(100));
    assertThat(northern.client().verify().clean()).as("verify compares only the scope").isTrue();
    assertThat(southern.client().verify().clean()).isTrue();
  }

  @Test
  void aRowThatLeavesTheScopeIsRemovedAndOneThatEntersArrivesWhole() {
    northern.sync();
    southern.sync();

    office.sql("UPDATE households SET region = 'south' WHERE id = '" + north1 + "'");
    office.sync();
    northern.sync();
    southern.sync();

    assertThat(households(northern)).containsOnlyKeys(north2);
    assertThat(households(southern)).containsOnlyKeys(north1, south1);
    assertThat(households(southern).get(north1))
        .as("only region changed since the southern cursor, yet every field arrives")
        .containsEntry("head_name", "Amina")
        .containsEntry("region", "south");

    office.sql("UPDATE households SET head_name = 'Amina K' WHERE id = '" + north1 + "'");
    office.sync();
    northern.sync();
    assertThat(households(northern)).as("no value of a southern row travels north").hasSize(1);

    office.sql("UPDATE households SET region = 'north' WHERE id = '" + north1 + "'");
    office.sync();
    northern.sync();
    southern.sync();
    assertThat(households(northern).get(north1))
        .containsEntry("head_name", "Amina K")
        .containsEntry("region", "north");
    assertThat(households(southern)).containsOnlyKeys(south1);
    assertThat(northern.client().verify().clean()).isTrue();
  }

  @Test
  void writesOutsideTheScopeAreRejectedAndTheDeviceReturnsToWhatItMaySee() {
    northern.sync();
    String before = server.snapshot().toString();

    // A new household for another region, a northern one moved south, and a write to a southern
    // record the device was never given.
    northern.sql(household(uuid(50), "south", "Efua"));
    northern.sql("UPDATE households SET region = 'south' WHERE id = '" + north2 + "'");
    northern.sql(household(south1, "north", "Taken over"));
    northern.sync();

    assertThat(server.snapshot().toString())
        .as("nothing outside the scope changed")
        .isEqualTo(before);
    List<RejectedChange> rejected = northern.client().rejected().list();
    assertThat(rejected)
        .extracting(RejectedChange::recordId)
        .containsExactlyInAnyOrder(uuid(50), north2, south1);
    assertThat(rejected)
        .filteredOn(change -> change.recordId().equals(uuid(50)))
        .extracting(RejectedChange::reason)
        .containsExactly(
            "table 'households', record '"
                + uuid(50)
                + "', column 'region': 'south' is not one of the device's scopes [region:north]");
    assertThat(rejected)
        .filteredOn(change -> change.recordId().equals(south1))
        .extracting(RejectedChange::reason)
        .containsExactly(
            "table 'households', record '"
                + south1
                + "': the record is outside the device's scopes [region:north]");
    assertThat(households(northern)).containsOnlyKeys(north1, north2);
    assertThat(households(northern).get(north2)).containsEntry("region", "north");
    assertThat(northern.client().status().pending()).isZero();
    southern.sync();
    assertThat(households(southern)).containsOnlyKeys(south1);
    assertThat(households(southern).get(south1)).containsEntry("head_name", "Chidi");
  }

  /**
   * Seeded: the office inserts, edits, moves and deletes households at random while the scoped
   * devices sync in random order; afterwards each holds exactly the server's rows of its scope.
   * Replay with {@code -Dfieldsync.seed=N}.
   */
  @SeededTest
  void randomMovesBetweenScopesLeaveEachDeviceExactlyItsRows(long seed) {
    randomMoves(seed);
  }

  private void randomMoves(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<String> regions = List.of("north", "south", "east");
    List<String> ids = new ArrayList<>(List.of(north1, north2, south1));
    Families families = new Families(Map.of(north1, "north", north2, "north", south1, "south"));
    for (int round = 0; round < 40; round++) {
      int action = random.nextInt(10);
      String id = ids.get(random.nextInt(ids.size()));
      String region = regions.get(random.nextInt(regions.size()));
      if (action < 2) {
        String fresh = uuid(1_000 + round);
        ids.add(fresh);
        office.sql(household(fresh, region, "H" + round));
        families.regions.put(fresh, region);
      } else if (action < 5) {
        office.sql("UPDATE households SET region = '" + region + "' WHERE id = '" + id + "'");
        families.regions.computeIfPresent(id, (unused, old) -> region);
      } else if (action < 8) {
        office.sql(
            "UPDATE households SET head_name = 'N"
                + round
                + "', members = "
                + round
                + " WHERE id = '"
                + id
                + "'");
      } else if (action < 9) {
        office.sql("DELETE FROM households WHERE id = '" + id + "'");
        if (!id.equals(south1)) { // its visit's on_parent_delete is review: the delete is parked
          families.deleteHousehold(id);
        }
      } else {
        northern.sql(
            "UPDATE households SET head_name = 'north edit " + round + "' WHERE id = '" + id + "'");
      }
      families.randomChange(random, round, ids);
      office.sync();
      families.officeSynced();
      if (random.nextBoolean()) {
        families.northernPushes();
        northern.sync();
      }
      if (random.nextBoolean()) {
        southern.sync();
      }
    }
    office.sync();
    families.northernPushes();
    northern.sync();
    southern.sync();
    office.sync();
    northern.sync();
    southern.sync();
    Map<String, Map<String, Object>> all = server.snapshot().rows("households");
    assertThat(households(northern)).isEqualTo(inRegion(all, "north"));
    assertThat(households(southern)).isEqualTo(inRegion(all, "south"));
    Map<String, String> serverRegions = new TreeMap<>();
    all.forEach((household, row) -> serverRegions.put(household, (String) row.get("region")));
    assertThat(serverRegions).isEqualTo(new TreeMap<>(families.regions));
    for (String table : List.of("members", "vaccinations")) {
      assertThat(server.snapshot().rows(table)).as(table).isEqualTo(families.rows(table, null));
      assertThat(office.snapshot().rows(table)).as(table).isEqualTo(families.rows(table, null));
      assertThat(northern.snapshot().rows(table))
          .as("the northern " + table)
          .isEqualTo(families.rows(table, "north"));
      assertThat(southern.snapshot().rows(table))
          .as("the southern " + table)
          .isEqualTo(families.rows(table, "south"));
    }
    assertThat(northern.client().verify().clean()).isTrue();
    assertThat(southern.client().verify().clean()).isTrue();
  }

  /**
   * The test's own account of the members of households ({@code scope: { via: household_id }}) and
   * their vaccinations ({@code scope: { via: member_id }}): the office writes them at random, the
   * northern device adds members and renames the ones it holds; whatever the northern device writes
   * is judged as the server will judge it when the device next pushes.
   */
  private final class Families {
    /** The live households and their regions. */
    final Map<String, String> regions;

    final Map<String, Map<String, Object>> members = new TreeMap<>();
    final Map<String, Map<String, Object>> vaccinations = new TreeMap<>();
    final List<String> everMembers = new ArrayList<>();

    /** The members the northern device holds: those of the north when it last synced. */
    final Set<String> northernHolds = new HashSet<>();

    /**
     * Members the server accepted from the northern device since the office last synced: the office
     * does not hold them yet, so its updates and deletes of them change nothing.
     */
    final Set<String> officeLacks = new HashSet<>();

    /** The northern device's unpushed writes: new members, and renames. */
    final List<Map<String, Object>> northernInserts = new ArrayList<>();

    final Map<String, String> northernRenames = new LinkedHashMap<>();

    Families(Map<String, String> regions) {
      this.regions = new HashMap<>(regions);
    }

    void randomChange(SplittableRandom random, int round, List<String> households) {
      String household = households.get(random.nextInt(households.size()));
      List<String> live = List.copyOf(members.keySet());
      String member = live.isEmpty() ? null : live.get(random.nextInt(live.size()));
      switch (random.nextInt(8)) {
        case 0, 1 -> {
          String fresh = uuid(5_000 + round);
          String parent = random.nextInt(4) == 0 ? null : household;
          office.sql(FieldSurvey.member(fresh, parent, "M" + round, round));
          everMembers.add(fresh);
          // Under a deleted household the member is deleted with it (on_parent_delete cascade).
          if (parent == null || regions.containsKey(parent)) {
            members.put(fresh, FieldSurvey.memberRow(fresh, parent, "M" + round, round));
          }
        }
        case 2 -> {
          List<String> liveHouseholds = List.copyOf(new TreeMap<>(regions).keySet());
          String target = liveHouseholds.get(random.nextInt(liveHouseholds.size()));
          if (officeHolds(member)) {
            office.sql(
                "UPDATE members SET household_id = '" + target + "' WHERE id = '" + member + "'");
            members.get(member).put("household_id", target);
          }
        }
        case 3 -> {
          List<String> shots = List.copyOf(vaccinations.keySet());
          if (member != null && !shots.isEmpty()) {
            String shot = shots.get(random.nextInt(shots.size()));
            office.sql(
                "UPDATE vaccinations SET member_id = '" + member + "' WHERE id = '" + shot + "'");
            vaccinations.get(shot).put("member_id", member);
          }
        }
        case 4 -> {
          if (officeHolds(member)) {
            office.sql(
                "UPDATE members SET age = " + (100 + round) + " WHERE id = '" + member + "'");
            members.get(member).put("age", 100L + round);
          }
        }
        case 5 -> {
          if (!everMembers.isEmpty()) {
            String parent = everMembers.get(random.nextInt(everMembers.size()));
            String fresh = uuid(6_000 + round);
            office.sql(FieldSurvey.vaccination(fresh, parent, "V" + round, round));
            if (members.containsKey(parent)) {
              vaccinations.put(
                  fresh, FieldSurvey.vaccinationRow(fresh, parent, "V" + round, round));
            }
          }
        }
        case 6 -> {
          if (officeHolds(member)) {
            office.sql("DELETE FROM members WHERE id = '" + member + "'");
            deleteMember(member);
          }
        }
        default -> {
          if (random.nextBoolean()) {
            String fresh = uuid(7_000 + round);
            northern.sql(FieldSurvey.member(fresh, household, "North " + round, round));
            northernInserts.add(FieldSurvey.memberRow(fresh, household, "North " + round, round));
          } else if (member != null && northernHolds.contains(member)) {
            northern.sql(
                "UPDATE members SET name = 'renamed " + round + "' WHERE id = '" + member + "'");
            northernRenames.put(member, "renamed " + round);
          }
        }
      }
    }

    /** What the server makes of the northern device's writes when it pushes them now. */
    void northernPushes() {
      for (Map<String, Object> row : northernInserts) {
        if ("north".equals(regions.get((String) row.get("household_id")))) {
          members.put((String) row.get("id"), row);
          officeLacks.add((String) row.get("id"));
        }
      }
      northernRenames.forEach(
          (member, name) -> {
            if ("north".equals(regionOfMember(member))) {
              members.get(member).put("name", name);
            }
          });
      northernInserts.clear();
      northernRenames.clear();
      northernHolds.clear();
      northernHolds.addAll(rows("members", "north").keySet());
    }

    void officeSynced() {
      officeLacks.clear();
    }

    private boolean officeHolds(String member) {
      return member != null && !officeLacks.contains(member);
    }

    void deleteHousehold(String household) {
      regions.remove(household);
      for (String member : List.copyOf(members.keySet())) {
        if (household.equals(members.get(member).get("household_id"))) {
          deleteMember(member);
        }
      }
    }

    void deleteMember(String member) {
      members.remove(member);
      vaccinations.values().removeIf(row -> member.equals(row.get("member_id")));
    }

    String regionOfMember(String member) {
      Map<String, Object> row = members.get(member);
      return row == null ? null : regions.get((String) row.get("household_id"));
    }

    /** The live rows of {@code table} in {@code region}; every one for null. */
    Map<String, Map<String, Object>> rows(String table, String region) {
      Map<String, Map<String, Object>> result = new TreeMap<>();
      (table.equals("members") ? members : vaccinations)
          .forEach(
              (id, row) -> {
                String rowRegion =
                    table.equals("members")
                        ? regionOfMember(id)
                        : regionOfMember((String) row.get("member_id"));
                if (region == null || region.equals(rowRegion)) {
                  result.put(id, new LinkedHashMap<>(row));
                }
              });
      return result;
    }
  }

  private static Map<String, Map<String, Object>> inRegion(
      Map<String, Map<String, Object>> rows, String region) {
    Map<String, Map<String, Object>> result = new TreeMap<>();
    rows.forEach(
        (id, row) -> {
          if (region.equals(row.get("region"))) {
            result.put(id, row);
          }
        });
    return result;
  }
}
