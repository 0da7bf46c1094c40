package io.fieldsync.server;

import static io.fieldsync.server.Households.field;
import static io.fieldsync.server.Households.hlc;
import static io.fieldsync.server.Households.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.testkit.RawHttp;
import io.fieldsync.testkit.SeededTest;
import io.fieldsync.testkit.TestServer;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.ChangeResult;
import io.fieldsync.wire.ChangeStatus;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded batches over both tables of the households schema: households inserted with a set of tags
 * (a union column, sent in varied spacing and with repeats) and a temperature (a real, max column),
 * then edited by added/removed tags and new temperatures; visits inserted under households of
 * earlier batches or of the same batch, then moved to another household; some edits sent as inserts
 * of the existing record; now and then a change naming a column twice, which is refused alone; some
 * batches delivered twice. The server ends with exactly the rows, sequence, journal and record
 * count the test works out from what it sent, so a change lost, applied twice or resolved
 * differently shows.
 */
class SeededMixedPushTest {
  private static final String[] DEVICES = {"tablet-1", "tablet-2", "phone-3"};
  private static final String[] TAGS = {"water", "newborn", "elderly", "remote", "x y", "q\"uote"};

  @TempDir Path dir;

  /** The server, on SQLite. */
  TestServer.Builder server() {
    return Households.server(dir);
  }

  /** A household as the test expects it: its tags in order (canonical JSON texts) and max. */
  private record Household(List<String> tags, Double temperature) {}

  @SeededTest(runs = 3)
  void unionMaxAndChildChangesLandExactlyOnce(long seed) throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    try (TestServer server = server().start()) {
      RawHttp http = server.raw();
      Map<String, Household> households = new TreeMap<>();
      Map<String, String> visits = new TreeMap<>();
      List<String> householdIds = new ArrayList<>();
      List<String> visitIds = new ArrayList<>();
      long stamp = hlc(Households.START_MILLIS);
      long sequences = 0;
      long journaled = 0;
      int batches = 0;
      int next = 1;
      for (int round = 0; round < 4; round++) {
        for (String device : DEVICES) {
          String batchId = "mixed-" + seed + "-" + batches;
          int size = 1 + random.nextInt(random.nextBoolean() ? 30 : 600);
          Set<String> touched = new HashSet<>();
          List<Change> changes = new ArrayList<>();
          Set<Integer> twice = new HashSet<>();
          while (changes.size() < size) {
            stamp++;
            int kind = householdIds.isEmpty() ? 0 : random.nextInt(6);
            if (kind == 0) {
              String id = uuid(next++);
              householdIds.add(id);
              touched.add(id);
              List<String> sent = new ArrayList<>();
              for (int i = random.nextInt(5); i > 0; i--) {
                sent.add(TAGS[random.nextInt(TAGS.length)]);
              }
              Double temperature = random.nextBoolean() ? random.nextInt(1_000) / 10.0 : null;
              households.put(id, new Household(canonical(sent), temperature));
              Change.Builder insert =
                  household(id, stamp).addFields(field("tags", spaced(sent, random), stamp));
              if (temperature != null) {
                insert.addFields(field("temperature", temperature, stamp));
              }
              changes.add(insert.build());
              sequences++;
            } else if (kind == 1) {
              String id = uuid(next++);
              visitIds.add(id);
              touched.add(id);
              String parent = householdIds.get(random.nextInt(householdIds.size()));
              visits.put(id, parent);
              changes.add(
                  Change.newBuilder()
                      .setTable("visits")
                      .setRecordId(id)
                      .setOp(Op.OP_INSERT)
                      .setHlc(stamp)
                      .addFields(field("household_id", parent, stamp))
                      .addFields(field("note", "visit " + stamp, stamp))
                      .build());
              sequences++;
            } else if (kind == 2) {
              // a column named twice: refused alone, nothing of it stored
              twice.add(changes.size());
              String id = uuid(next++);
              changes.add(household(id, stamp).addFields(field("region", "south", stamp)).build());
            } else if (kind == 3 && !visitIds.isEmpty()) {
              String id = visitIds.get(random.nextInt(visitIds.size()));
              if (!touched.add(id)) {
                continue;
              }
              String parent = householdIds.get(random.nextInt(householdIds.size()));
              if (!parent.equals(visits.put(id, parent))) {
                sequences++;
              }
              changes.add(update("visits", id, stamp, field("household_id", parent, stamp)));
            } else {
              String id = householdIds.get(random.nextInt(householdIds.size()));
              if (!touched.add(id)) {
                continue;
              }
              Household before = households.get(id);
              Household after;
              FieldChange edit;
              if (random.nextBoolean()) {
                double temperature = random.nextInt(1_000) / 10.0;
                edit = field("temperature", temperature, stamp);
                after =
                    before.temperature() == null || temperature > before.temperature()
                        ? new Household(before.tags(), temperature)
                        : before;
              } else {
                List<String> added = new ArrayList<>();
                List<String> removed = new ArrayList<>();
                for (int i = random.nextInt(3); i > 0; i--) {
                  added.add(TAGS[random.nextInt(TAGS.length)]);
                }
                for (int i = random.nextInt(3); i > 0; i--) {
                  removed.add(TAGS[random.nextInt(TAGS.length)]);
                }
                Set<String> result = new LinkedHashSet<>(before.tags());
                result.addAll(canonical(added));
                result.removeAll(canonical(removed));
                after = new Household(List.copyOf(result), before.temperature());
                FieldChange.Builder tags = field("tags", spaced(added, random), stamp).toBuilder();
                canonical(added).forEach(tags::addAdded);
                canonical(removed).forEach(tags::addRemoved);
                edit = tags.build();
                // (no detail at all: the sent value, empty, adds nothing)
              }
              if (!after.equals(before)) {
                sequences++;
              }
              households.put(id, after);
              // now and then sent as an insert of the existing record (a device that never saw
              // the server's copy): decided against what is stored, like the update
              changes.add(
                  random.nextInt(4) == 0
                      ? household(id, stamp).addFields(edit).build()
                      : update("households", id, stamp, edit));
            }
          }
          journaled += changes.size();
          PushRequest request =
              PushRequest.newBuilder().setBatchId(batchId).addAllChanges(changes).build();
          PushResponse response = http.push(server.token(device), request);
          assertThat(response.getRejected())
              .as("rejected of batch %d", batches)
              .isEqualTo(twice.size());
          assertThat(response.getApplied() + response.getMerged())
              .as("applied and merged of batch %d", batches)
              .isEqualTo(changes.size() - twice.size());
          for (ChangeResult result : response.getResultsList()) {
            if (result.getStatus() == ChangeStatus.REJECTED) {
              assertThat(twice).contains(result.getIndex());
              assertThat(result.getReason())
                  .isEqualTo(
                      "table 'households', record '"
                          + changes.get(result.getIndex()).getRecordId()
                          + "', column 'region': sent twice in one change");
            }
          }
          if (random.nextInt(3) == 0) {
            PushResponse again = http.push(server.token(device), request);
            assertThat(again.getReplayed()).as("a retried batch id is a replay").isTrue();
            assertThat(again.getSequence()).isEqualTo(response.getSequence());
          }
          assertThat(response.getSequence())
              .as("sequence after batch %d", batches)
              .isEqualTo(sequences);
          batches++;
        }
      }

      Map<String, Household> storedHouseholds = new TreeMap<>();
      for (Map<String, Object> row : server.query("SELECT id, tags, temperature FROM households")) {
        Object temperature = row.get("temperature");
        storedHouseholds.put(
            String.valueOf(row.get("id")),
            new Household(
                elements((String) row.get("tags")),
                temperature == null ? null : ((Number) temperature).doubleValue()));
      }
      assertThat(storedHouseholds).isEqualTo(households);
      Map<String, String> storedVisits = new TreeMap<>();
      for (Map<String, Object> row : server.query("SELECT id, household_id FROM visits")) {
        storedVisits.put(String.valueOf(row.get("id")), String.valueOf(row.get("household_id")));
      }
      assertThat(storedVisits).isEqualTo(visits);
      assertThat(server.sequence(TestServer.TENANT)).isEqualTo(sequences);
      assertThat(count(server, "_fs_journal"))
          .as("one journal row per change")
          .isEqualTo(journaled);
      assertThat(count(server, "_fs_records")).isEqualTo(households.size() + visits.size());
      assertThat(count(server, "_fs_batches")).isEqualTo(batches);
    }
  }

  /** The elements as the union keeps them: each element's JSON text once, in first-seen order. */
  private static List<String> canonical(List<String> tags) {
    Set<String> result = new LinkedHashSet<>();
    for (String tag : tags) {
      result.add(quoted(tag));
    }
    return List.copyOf(result);
  }

  private static String quoted(String tag) {
    return '"' + tag.replace("\"", "\\\"") + '"';
  }

  /** The tags as a device might write them: a JSON array with repeats and arbitrary spacing. */
  private static String spaced(List<String> tags, SplittableRandom random) {
    StringBuilder text = new StringBuilder("[");
    for (int i = 0; i < tags.size(); i++) {
      text.append(i == 0 ? "" : ",").append(random.nextBoolean() ? " " : "");
      text.append(quoted(tags.get(i)));
    }
    return text.append(random.nextBoolean() ? " ]" : "]").toString();
  }

  /** The stored array's elements as written ({@code ["a","b"]}: no spaces, the union's form). */
  private static List<String> elements(String stored) {
    assertThat(stored).startsWith("[").endsWith("]").doesNotContain(", ");
    List<String> result = new ArrayList<>();
    String inner = stored.substring(1, stored.length() - 1);
    int start = 0;
    boolean inString = false;
    for (int i = 0; i < inner.length(); i++) {
      char c = inner.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == '"') {
        inString = !inString;
      } else if (c == ',' && !inString) {
        result.add(inner.substring(start, i));
        start = i + 1;
      }
    }
    if (!inner.isEmpty()) {
      result.add(inner.substring(start));
    }
    return result;
  }

  /** An insert of a household in region north, to which the caller adds fields. */
  private static Change.Builder household(String id, long stamp) {
    return Change.newBuilder()
        .setTable("households")
        .setRecordId(id)
        .setOp(Op.OP_INSERT)
        .setHlc(stamp)
        .addFields(field("region", "north", stamp));
  }

  private static Change update(String table, String id, long stamp, FieldChange field) {
    return Households.update(table, id, 0, stamp, field);
  }

  private static long count(TestServer server, String table) {
    Map<String, Object> row = server.query("SELECT count(*) AS n FROM " + table).get(0);
    return ((Number) row.values().iterator().next()).longValue();
  }
}
