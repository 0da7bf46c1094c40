package io.fieldsync.testkit;

import static io.fieldsync.testkit.FieldSurvey.household;
import static io.fieldsync.testkit.FieldSurvey.member;
import static io.fieldsync.testkit.FieldSurvey.uuid;
import static io.fieldsync.testkit.FieldSurvey.vaccination;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.RejectedChange;
import io.fieldsync.schema.Schema;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Scopes through parents end to end: households carry {@code scope: region}, members take theirs
 * from their household ({@code scope: { via: household_id }}) and vaccinations from their member,
 * two levels down. A device scoped to a region holds exactly the members and vaccinations under its
 * households, whichever way a household, a member or a vaccination moves.
 */
class ScopeThroughParentsTest extends EndToEndTest {
  private final String north = uuid(1);
  private final String south = uuid(2);
  private final String amina = uuid(10);
  private final String ben = uuid(11);
  private final String chidi = uuid(12);
  private final String aminaPolio = uuid(20);
  private final String chidiMeasles = uuid(21);
  private TestDevice office;
  private TestDevice northern;
  private TestDevice southern;

  @Override
  Schema schema() {
    return FieldSurvey.withScopedChildren();
  }

  @BeforeEach
  void data() {
    office = server.device("office-pc");
    northern = scoped("tablet-north", "region:north");
    southern = scoped("tablet-south", "south");
    office.sql(
        household(north, "north", "Amina"),
        household(south, "south", "Chidi"),
        member(amina, north, "Amina", 34),
        member(ben, north, "Ben", 9),
        member(chidi, south, "Chidi", 51),
        vaccination(aminaPolio, amina, "polio", 3),
        vaccination(chidiMeasles, chidi, "measles", 1));
    office.sync();
  }

  private TestDevice scoped(String name, String scope) {
    return server.device(
        name, builder -> builder.token(server.scopedToken(name, List.of(scope))).pullPageSize(2));
  }

  private static Map<String, Map<String, Object>> rows(TestDevice device, String table) {
    return device.snapshot().rows(table);
  }

  @Test
  void devicesReceiveTheChildrenAndGrandchildrenOfTheirHouseholdsOnly() {
    northern.sync();
    southern.sync();

    assertThat(rows(northern, "members")).containsOnlyKeys(amina, ben);
    assertThat(rows(northern, "vaccinations")).containsOnlyKeys(aminaPolio);
    assertThat(rows(southern, "members")).containsOnlyKeys(chidi);
    assertThat(rows(southern, "vaccinations")).containsOnlyKeys(chidiMeasles);
    assertThat(rows(office, "vaccinations")).containsOnlyKeys(aminaPolio, chidiMeasles);
    assertThat(northern.client().verify().clean()).as("verify compares only the scope").isTrue();
    assertThat(southern.client().verify().clean()).isTrue();
  }

  @Test
  void aHouseholdThatMovesTakesItsDescendantsAlongAndBringsThemBackWhole() {
    northern.sync();
    southern.sync();

    office.sql("UPDATE households SET region = 'south' WHERE id = '" + north + "'");
    office.sync();
    northern.sync();
    southern.sync();

    assertThat(rows(northern, "members")).isEmpty();
    assertThat(rows(northern, "vaccinations")).isEmpty();
    assertThat(rows(southern, "members")).containsOnlyKeys(amina, ben, chidi);
    assertThat(rows(southern, "members").get(amina))
        .as("nothing of Amina changed since the southern cursor, yet she arrives whole")
        .containsEntry("name", "Amina")
        .containsEntry("age", 34L)
        .containsEntry("household_id", north);
    assertThat(rows(southern, "vaccinations").get(aminaPolio))
        .containsEntry("vaccine", "polio")
        .containsEntry("dose", 3L);

    // While the household is out of the north: an edit, a new member, a new vaccination.
    String dede = uuid(13);
    String dedeBcg = uuid(22);
    office.sql(
        "UPDATE members SET age = 35 WHERE id = '" + amina + "'",
        member(dede, north, "Dede", 0),
        vaccination(dedeBcg, dede, "bcg", 1));
    office.sync();
    northern.sync();
    assertThat(rows(northern, "members")).as("no value of a southern row travels north").isEmpty();

    office.sql("UPDATE households SET region = 'north' WHERE id = '" + north + "'");
    office.sync();
    northern.sync();
    southern.sync();

    assertThat(rows(northern, "members")).containsOnlyKeys(amina, ben, dede);
    assertThat(rows(northern, "members").get(amina)).containsEntry("age", 35L);
    assertThat(rows(northern, "members").get(dede))
        .containsEntry("name", "Dede")
        .containsEntry("household_id", north);
    assertThat(rows(northern, "vaccinations")).containsOnlyKeys(aminaPolio, dedeBcg);
    assertThat(rows(northern, "vaccinations").get(dedeBcg)).containsEntry("vaccine", "bcg");
    assertThat(rows(southern, "members")).containsOnlyKeys(chidi);
    assertThat(rows(southern, "vaccinations")).containsOnlyKeys(chidiMeasles);
    assertThat(northern.client().verify().clean()).isTrue();
    assertThat(southern.client().verify().clean()).isTrue();
  }

  @Test
  void aMemberMovedToAnotherHouseholdTakesItsVaccinationsAlong() {
    northern.sync();
    southern.sync();

    office.sql("UPDATE members SET household_id = '" + south + "' WHERE id = '" + amina + "'");
    office.sync();
    northern.sync();
    southern.sync();

    assertThat(rows(northern, "members")).containsOnlyKeys(ben);
    assertThat(rows(northern, "vaccinations")).isEmpty();
    assertThat(rows(southern, "members")).containsOnlyKeys(amina, chidi);
    assertThat(rows(southern, "vaccinations")).containsOnlyKeys(aminaPolio, chidiMeasles);
    assertThat(rows(southern, "vaccinations").get(aminaPolio)).containsEntry("dose", 3L);

    office.sql(
        "UPDATE vaccinations SET member_id = '" + ben + "' WHERE id = '" + chidiMeasles + "'");
    office.sync();
    northern.sync();
    southern.sync();

    assertThat(rows(northern, "vaccinations")).containsOnlyKeys(chidiMeasles);
    assertThat(rows(southern, "vaccinations")).containsOnlyKeys(aminaPolio);
  }

  @Test
  void aDeviceOfTheWholeTenantIsSentNothingWhenOnlyAParentsScopeMoved() {
    TestDevice second = server.device("office-2");
    second.sync();

    office.sql("UPDATE households SET region = 'east' WHERE id = '" + north + "'");
    office.sync();

    assertThat(second.sync().pulled())
        .as("the household; its members and vaccinations changed nothing it holds")
        .isEqualTo(1);
    assertThat(rows(second, "members")).hasSize(3);
  }

  @Test
  void aMemberWithoutAHouseholdOrWithOneTheServerLacksIsSeenOnlyByTenantWideDevices() {
    String nobody = uuid(14);
    String waiting = uuid(15);
    String later = uuid(3);
    office.sql(member(nobody, null, "Nobody", 40), member(waiting, later, "Waiting", 7));
    office.sync();
    northern.sync();
    southern.sync();

    assertThat(rows(office, "members")).containsKeys(nobody, waiting);
    assertThat(rows(northern, "members")).containsOnlyKeys(amina, ben);
    assertThat(rows(southern, "members")).containsOnlyKeys(chidi);
    assertThat(northern.client().verify().clean()).isTrue();

    // The household it names arrives: the member follows it into the north.
    office.sql(household(later, "north", "Efua"));
    office.sync();
    northern.sync();

    assertThat(rows(northern, "members")).containsOnlyKeys(amina, ben, waiting);
    assertThat(rows(northern, "members").get(waiting)).containsEntry("name", "Waiting");
  }

  @Test
  void writesUnderAParentOutsideTheScopeAreRejectedAndChangeNothing() {
    northern.sync();
    String before = server.snapshot().toString();
    String stray = uuid(30);
    String orphan = uuid(31);
    String strayShot = uuid(32);

    northern.sql(
        member(stray, south, "Stray", 20),
        member(orphan, null, "Orphan", 20),
        "UPDATE members SET household_id = '" + south + "' WHERE id = '" + ben + "'",
        vaccination(strayShot, chidi, "polio", 1));
    northern.sync();

    assertThat(server.snapshot().toString())
        .as("nothing outside the scope changed")
        .isEqualTo(before);
    List<RejectedChange> rejected = northern.client().rejected().list();
    assertThat(rejected)
        .extracting(RejectedChange::recordId)
        .containsExactlyInAnyOrder(stray, orphan, ben, strayShot);
    assertThat(reason(rejected, stray))
        .isEqualTo(
            "table 'members', record '"
                + stray
                + "', column 'household_id': parent '"
                + south
                + "' is not within the device's scopes [region:north]");
    assertThat(reason(rejected, orphan))
        .isEqualTo(
            "table 'members', record '"
                + orphan
                + "', column 'household_id': no parent, so none of the device's scopes"
                + " [region:north] admits it");
    assertThat(reason(rejected, strayShot))
        .isEqualTo(
            "table 'vaccinations', record '"
                + strayShot
                + "', column 'member_id': parent '"
                + chidi
                + "' is not within the device's scopes [region:north]");
    assertThat(rows(northern, "members")).containsOnlyKeys(amina, ben);
    assertThat(rows(northern, "members").get(ben)).containsEntry("household_id", north);
    assertThat(rows(northern, "vaccinations")).containsOnlyKeys(aminaPolio);
    assertThat(northern.client().status().pending()).isZero();
  }

  @Test
  void aNewHouseholdAndItsMembersWrittenTogetherOnAScopedDeviceAreAccepted() {
    northern.sync();
    String fresh = uuid(4);
    String baby = uuid(16);
    String babyBcg = uuid(23);

    northern.sql(
        household(fresh, "north", "Fatou"),
        member(baby, fresh, "Baby", 0),
        vaccination(babyBcg, baby, "bcg", 1));
    northern.sync();
    southern.sync();
    office.sync();

    assertThat(northern.client().rejected().list()).isEmpty();
    assertThat(rows(office, "vaccinations")).containsKey(babyBcg);
    assertThat(rows(southern, "members")).containsOnlyKeys(chidi);

    office.sql("UPDATE households SET region = 'south' WHERE id = '" + fresh + "'");
    office.sync();
    northern.sync();
    southern.sync();

    assertThat(rows(northern, "vaccinations")).containsOnlyKeys(aminaPolio);
    assertThat(rows(southern, "vaccinations")).containsOnlyKeys(chidiMeasles, babyBcg);
  }

  @Test
  void deletingAHouseholdCascadesToItsMembersEverywhere() {
    northern.sync();

    office.sql("DELETE FROM households WHERE id = '" + north + "'");
    office.sync();
    northern.sync();
    office.sync();

    assertThat(rows(northern, "households")).isEmpty();
    assertThat(rows(northern, "members")).isEmpty();
    assertThat(rows(northern, "vaccinations")).isEmpty();
    assertThat(rows(office, "members")).containsOnlyKeys(chidi);
    assertThat(rows(office, "vaccinations")).containsOnlyKeys(chidiMeasles);
  }

  /**
   * One office batch moves a member under a household and deletes that household, whose visit
   * (on_parent_delete review) parks the delete: the household stays, so the member must stay under
   * it, on the server and on every device of its region.
   */
  @Test
  void aMemberMovedUnderAHouseholdWhoseDeleteInTheSameBatchIsParkedStaysUnderIt() {
    office.sql(
        "INSERT INTO visits (id, household_id, visited_at, visitor) VALUES ('"
            + uuid(30)
            + "', '"
            + south
            + "', '2026-11-21T08:15:00Z', 'Dede')");
    office.sync();
    northern.sync();
    southern.sync();

    office.sql(
        "DELETE FROM households WHERE id = '" + south + "'",
        "UPDATE members SET household_id = '" + south + "' WHERE id = '" + ben + "'");
    office.sync();
    northern.sync();
    southern.sync();
    office.sync();

    assertThat(server.snapshot().rows("households")).containsOnlyKeys(north, south);
    assertThat(server.snapshot().rows("members").get(ben)).containsEntry("household_id", south);
    assertThat(rows(office, "members")).containsOnlyKeys(amina, ben, chidi);
    assertThat(rows(office, "members").get(ben)).containsEntry("household_id", south);
    assertThat(rows(southern, "members")).containsOnlyKeys(ben, chidi);
    assertThat(rows(northern, "members")).containsOnlyKeys(amina);
    assertThat(server.snapshot().rows("visits")).containsOnlyKeys(uuid(30));
  }

  /**
   * One office batch moves a member under a household and deletes that household, which nothing
   * keeps: the member and its vaccination go with the household, and the office is told and drops
   * them too.
   */
  @Test
  void aMemberMovedUnderAHouseholdDeletedInTheSameBatchIsDeletedWithItEverywhere() {
    northern.sync();
    southern.sync();

    office.sql(
        "DELETE FROM households WHERE id = '" + north + "'",
        "UPDATE members SET household_id = '" + north + "' WHERE id = '" + chidi + "'");
    office.sync();
    northern.sync();
    southern.sync();
    office.sync();

    assertThat(server.snapshot().rows("households")).containsOnlyKeys(south);
    assertThat(server.snapshot().rows("members")).isEmpty();
    assertThat(server.snapshot().rows("vaccinations")).isEmpty();
    assertThat(rows(office, "members")).isEmpty();
    assertThat(rows(office, "vaccinations")).isEmpty();
    assertThat(rows(northern, "members")).isEmpty();
    assertThat(rows(southern, "members")).isEmpty();
    assertThat(rows(southern, "vaccinations")).isEmpty();
  }

  /**
   * A second office, not yet aware that the household was deleted, moves a member under it: the
   * member is deleted as the household's child, and its vaccination with it.
   */
  @Test
  void aMemberMovedUnderADeletedHouseholdIsDeletedWithItsVaccinations() {
    TestDevice annex = server.device("annex-pc");
    annex.sync();
    southern.sync();

    office.sql("DELETE FROM households WHERE id = '" + north + "'");
    office.sync();
    annex.sql("UPDATE members SET household_id = '" + north + "' WHERE id = '" + chidi + "'");
    annex.sync();
    southern.sync();
    office.sync();

    assertThat(server.snapshot().rows("members")).isEmpty();
    assertThat(server.snapshot().rows("vaccinations")).isEmpty();
    assertThat(rows(annex, "members")).isEmpty();
    assertThat(rows(annex, "vaccinations")).isEmpty();
    assertThat(rows(office, "vaccinations")).isEmpty();
    assertThat(rows(southern, "members")).isEmpty();
    assertThat(rows(southern, "vaccinations")).isEmpty();
  }

  private static String reason(List<RejectedChange> rejected, String recordId) {
    return rejected.stream()
        .filter(change -> change.recordId().equals(recordId))
        .map(RejectedChange::reason)
        .findFirst()
        .orElseThrow();
  }
}
