package io.fieldsync.testkit;

import static io.fieldsync.testkit.FieldSurvey.household;
import static io.fieldsync.testkit.FieldSurvey.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A pulled page is written in JDBC batches, one per run of records that share a statement, while
 * the next page is fetched. A device that takes records one per page (every batch one row, the
 * record-at-a-time path) and devices that take large mixed pages (inserts, updates of a few
 * columns, deletes, three tables) must end with exactly the same rows.
 */
class BatchedPullTest extends EndToEndTest {
  private static final String[] REGIONS = {"north", "south", "east"};

  @Test
  void largeMixedPagesWriteExactlyTheRowsOfOneRecordPerPage() {
    SplittableRandom random = new SplittableRandom(2026);
    TestDevice writer = server.device("writer");
    TestDevice onePerPage = server.device("one-per-page", builder -> builder.pullPageSize(1));
    TestDevice midway = server.device("midway", builder -> builder.pullPageSize(500));
    List<String> households = new ArrayList<>();
    List<String> visits = new ArrayList<>();
    Set<String> parents = new HashSet<>();
    int next = 1;
    for (int step = 0; step < 400; step++) {
      int action = random.nextInt(10);
      if (action < 3 || households.isEmpty()) {
        String id = uuid(next++);
        households.add(id);
        writer.sql(
            "INSERT INTO households (id, region, head_name, members, visit_count, tags, latitude,"
                + " notes, registered_at) VALUES ('"
                + id
                + "', '"
                + REGIONS[random.nextInt(REGIONS.length)]
                + "', "
                + (random.nextBoolean() ? "'head " + step + "'" : "NULL")
                + ", "
                + random.nextInt(9)
                + ", 0, '[\"t"
                + random.nextInt(3)
                + "\"]', "
                + (random.nextInt(100) / 7.0)
                + ", NULL, '2026-11-2"
                + random.nextInt(10)
                + "T08:15:00Z')");
      } else if (action < 5) {
        String id = uuid(next++);
        visits.add(id);
        String household = households.get(random.nextInt(households.size()));
        parents.add(household);
        writer.sql(
            "INSERT INTO visits (id, household_id, visited_at, summary, follow_up) VALUES ('"
                + id
                + "', '"
                + household
                + "', '2026-11-21T08:15:00.250Z', 'visit "
                + step
                + "', "
                + random.nextInt(2)
                + ")");
        if (random.nextBoolean()) {
          writer.sql(
              "INSERT INTO measurements (id, visit_id, kind, value, unit) VALUES ('"
                  + uuid(next++)
                  + "', '"
                  + id
                  + "', 'weight', "
                  + random.nextInt(80)
                  + ".5, 'kg')");
        }
      } else if (action < 8) {
        String id = households.get(random.nextInt(households.size()));
        writer.sql(
            random.nextBoolean()
                ? "UPDATE households SET head_name = 'renamed " + step + "' WHERE id = '" + id + "'"
                : "UPDATE households SET members = members + 1, latitude = NULL WHERE id = '"
                    + id
                    + "'");
      } else if (action < 9 && !visits.isEmpty()) {
        String id = visits.remove(random.nextInt(visits.size()));
        writer.sql("DELETE FROM visits WHERE id = '" + id + "'");
      } else if (households.size() > 1) {
        // Only households without visits: a parent delete under children waits for review.
        String id = households.get(random.nextInt(households.size()));
        if (!parents.contains(id)) {
          households.remove(id);
          writer.sql("DELETE FROM households WHERE id = '" + id + "'");
        }
      }
      if (step % 20 == 19) {
        writer.sync();
        onePerPage.sync();
      }
      if (step == 200) {
        midway.sync();
      }
    }
    writer.sync();
    onePerPage.sync();
    midway.sync();
    TestDevice fresh = server.device("fresh", builder -> builder.pullPageSize(700));
    fresh.sync();

    Replicas.Snapshot rows = server.assertConverged(writer, onePerPage, midway, fresh);
    assertThat(rows.rows("households")).hasSizeGreaterThan(50);
    assertThat(midway.snapshot().toString()).isEqualTo(onePerPage.snapshot().toString());
  }

  @Test
  void aWriteFromAnotherConnectionAfterABatchedPullIsCaptured() {
    TestDevice writer = server.device("writer");
    for (int n = 1; n <= 30; n++) {
      writer.sql(household(uuid(n), "north", "head " + n));
    }
    writer.sync();
    TestDevice reader = server.device("reader", builder -> builder.pullPageSize(7));
    reader.sync();
    assertThat(reader.scalar("SELECT capture FROM _fs_state")).isEqualTo(1L);

    reader.sql("UPDATE households SET head_name = 'edited' WHERE id = '" + uuid(3) + "'");

    assertThat(reader.client().status().pending()).isEqualTo(1);
    reader.sync();
    writer.sync();
    assertThat(server.assertConverged(writer, reader).row("households", uuid(3)))
        .containsEntry("head_name", "edited");
  }
}
