package io.fieldsync.testkit;

import static io.fieldsync.testkit.FieldSurvey.household;
import static io.fieldsync.testkit.FieldSurvey.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A server whose schema gains {@code scope: { via }} on tables that already hold rows: members and
 * vaccinations are written and synced under version 1, where they are unscoped; the server then
 * restarts with version 2, where members take their household's region and vaccinations their
 * member's. The stored rows are realigned at start, so each scoped device holds exactly the rows
 * its households' region admits (devices that held others get removals), a device of a region
 * without households holds none, every tenant is realigned, and a second start changes nothing.
 */
class ScopeBackfillTest extends EndToEndTest {
  private static final String OTHER_TENANT = "beta";
  private static final List<String> REGIONS = List.of("north", "south");

  /** The live households' regions, members and vaccinations, as the test wrote them. */
  private final Map<String, String> regions = new TreeMap<>();

  final Map<String, Map<String, Object>> members = new TreeMap<>();
  final Map<String, Map<String, Object>> vaccinations = new TreeMap<>();

  @Override
  Schema schema() {
    return SchemaLoader.parse(FieldSurvey.withChildren(1, false));
  }

  @SeededTest
  void rowsStoredBeforeTheirTableWasScopedThroughAParentReachExactlyTheDevicesOfTheirScope(
      long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    TestDevice office = server.device("office-pc");
    TestDevice northern = scoped(TestServer.TENANT, "tablet-north", "region:north");
    TestDevice southern = scoped(TestServer.TENANT, "tablet-south", "south");
    writeFamilies(office, random);
    TestDevice otherOffice =
        server.device(
            "beta-office", builder -> builder.token(server.token(OTHER_TENANT, "beta-office")));
    String otherHousehold = uuid(900);
    String otherMember = uuid(901);
    otherOffice.sql(
        household(otherHousehold, "north", "Zawadi"),
        FieldSurvey.member(otherMember, otherHousehold, "Zawadi", 40),
        FieldSurvey.vaccination(uuid(902), otherMember, "polio", 1));
    otherOffice.sync();
    northern.sync();
    southern.sync();
    assertThat(northern.snapshot().rows("members"))
        .as("unscoped under version 1: every device holds every member")
        .isEqualTo(members);
    long sequence = server.sequence(TestServer.TENANT);
    long otherSequence = server.sequence(OTHER_TENANT);

    server.restartWith(SchemaLoader.parse(FieldSurvey.withChildren(2, true)));

    assertThat(server.sequence(TestServer.TENANT))
        .as("each live member and vaccination takes its inherited scope once")
        .isEqualTo(sequence + members.size() + vaccinations.size());
    assertThat(server.sequence(OTHER_TENANT)).isEqualTo(otherSequence + 2);
    TestDevice western = scoped(TestServer.TENANT, "tablet-west", "west");
    TestDevice otherNorthern = scoped(OTHER_TENANT, "beta-north", "north");
    for (TestDevice device : List.of(office, northern, southern, western, otherNorthern)) {
      device.sync();
    }
    for (String table : List.of("members", "vaccinations")) {
      assertThat(office.snapshot().rows(table)).as(table).isEqualTo(rows(table, null));
      assertThat(northern.snapshot().rows(table)).as(table).isEqualTo(rows(table, "north"));
      assertThat(southern.snapshot().rows(table)).as(table).isEqualTo(rows(table, "south"));
      assertThat(western.snapshot().rows(table)).as(table).isEmpty();
    }
    assertThat(otherNorthern.snapshot().rows("members")).containsOnlyKeys(otherMember);
    assertThat(otherNorthern.snapshot().rows("vaccinations")).containsOnlyKeys(uuid(902));
    assertThat(northern.client().verify().clean()).isTrue();
    assertThat(southern.client().verify().clean()).isTrue();

    long realigned = server.sequence(TestServer.TENANT);
    server.restart();

    assertThat(server.sequence(TestServer.TENANT))
        .as("a second start moves nothing")
        .isEqualTo(realigned);
    assertThat(server.sequence(OTHER_TENANT)).isEqualTo(otherSequence + 2);
  }

  private TestDevice scoped(String tenant, String name, String scope) {
    return server.device(
        name,
        builder -> builder.token(server.scopedToken(tenant, name, List.of(scope))).pullPageSize(3));
  }

  /**
   * Households in random regions; members under a random household or none; vaccinations of random
   * members; then some members deleted, their vaccinations with them (cascade).
   */
  void writeFamilies(TestDevice office, SplittableRandom random) {
    List<String> statements = new ArrayList<>();
    List<String> households = new ArrayList<>();
    for (int i = 0; i < 2 + random.nextInt(4); i++) {
      String id = uuid(100 + i);
      String region = REGIONS.get(random.nextInt(REGIONS.size()));
      households.add(id);
      regions.put(id, region);
      statements.add(household(id, region, "Head " + i));
    }
    for (int i = 0; i < 4 + random.nextInt(12); i++) {
      String id = uuid(200 + i);
      String parent =
          random.nextInt(6) == 0 ? null : households.get(random.nextInt(households.size()));
      members.put(id, FieldSurvey.memberRow(id, parent, "M" + i, i));
      statements.add(FieldSurvey.member(id, parent, "M" + i, i));
    }
    List<String> memberIds = List.copyOf(members.keySet());
    for (int i = 0; i < 4 + random.nextInt(12); i++) {
      String id = uuid(300 + i);
      String member = memberIds.get(random.nextInt(memberIds.size()));
      vaccinations.put(id, FieldSurvey.vaccinationRow(id, member, "v" + i, i % 3));
      statements.add(FieldSurvey.vaccination(id, member, "v" + i, i % 3));
    }
    office.sql(statements.toArray(String[]::new));
    office.sync();
    for (String member : memberIds) {
      if (random.nextInt(5) == 0) {
        office.sql("DELETE FROM members WHERE id = '" + member + "'");
        members.remove(member);
        vaccinations.values().removeIf(row -> member.equals(row.get("member_id")));
      }
    }
    office.sync();
  }

  /** The live rows of {@code table} whose household is in {@code region}; every one for null. */
  private Map<String, Map<String, Object>> rows(String table, String region) {
    Map<String, Map<String, Object>> result = new TreeMap<>();
    (table.equals("members") ? members : vaccinations)
        .forEach(
            (id, row) -> {
              String member = table.equals("members") ? id : (String) row.get("member_id");
              String household = (String) members.get(member).get("household_id");
              if (region == null
                  || region.equals(household == null ? null : regions.get(household))) {
                result.put(id, row);
              }
            });
    return result;
  }
}
