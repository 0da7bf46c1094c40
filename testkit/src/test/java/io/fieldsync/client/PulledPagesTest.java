package io.fieldsync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.testkit.FaultyTransport;
import io.fieldsync.testkit.SeededTest;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device applies a packed pull page straight from its columns, and a page of record messages
 * (from a transport that unpacks) through the same reading: households and their visits, written,
 * edited and deleted in random order, land on both kinds of device exactly as the writer left them,
 * each record pulled once, in pages of random size that cut through parents and children.
 */
class PulledPagesTest {
  private static final String HOUSEHOLDS =
      "SELECT id, region, head_name, visits, score, active FROM households ORDER BY id";
  private static final String VISITS =
      "SELECT id, household_id, temperature FROM visits ORDER BY id";

  @TempDir Path dir;
  TestServer server;

  @BeforeEach
  void setUp() {
    server = TestServer.builder(dir).schema(Households.SCHEMA_YAML).start();
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  @SeededTest
  void packedAndUnpackedPagesLandEveryRecordOnceExactly(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    TestDevice writer = server.device("writer");
    int pageSize = 1 + random.nextInt(700);
    TestDevice packed = server.device("packed", builder -> builder.pullPageSize(pageSize));
    TestDevice unpacked =
        server.device(
            "unpacked",
            builder ->
                builder
                    .transport(new FaultyTransport(server.http(0, server.token("unpacked"))))
                    .pullPageSize(pageSize));
    Map<String, Map<String, Object>> households = new TreeMap<>();
    Map<String, Map<String, Object>> visits = new TreeMap<>();

    List<String> inserts = new ArrayList<>();
    int count = 300 + random.nextInt(600);
    for (int n = 0; n < count; n++) {
      // Parents and children interleaved, a child sometimes before its parent.
      if (n > 0 && random.nextInt(3) == 0) {
        Map<String, Object> visit = visit(random, Households.household(1_000_000 + n), count);
        visits.put((String) visit.get("id"), visit);
        inserts.add(insert("visits", visit));
      } else {
        Map<String, Object> household = household(random, Households.household(n));
        households.put((String) household.get("id"), household);
        inserts.add(insert("households", household));
      }
    }
    writer.sql(inserts.toArray(String[]::new));
    writer.sync();

    assertThat(packed.sync().pulled()).isEqualTo(households.size() + visits.size());
    assertThat(unpacked.sync().pulled()).isEqualTo(households.size() + visits.size());
    assertLanded(packed, households, visits);
    assertLanded(unpacked, households, visits);

    List<String> changes = new ArrayList<>();
    int changed = 0;
    for (String id : new ArrayList<>(visits.keySet())) {
      int roll = random.nextInt(4);
      if (roll == 0) {
        visits.remove(id);
        changes.add("DELETE FROM visits WHERE id = '" + id + "'");
        changed++;
      } else if (roll == 1) {
        Map<String, Object> visit = visit(random, id, count);
        visit.put("temperature", visits.get(id).get("temperature"));
        // An update that leaves the row as it was changes nothing to pull.
        changed += visit.equals(visits.put(id, visit)) ? 0 : 1;
        changes.add(update("visits", visit));
      }
    }
    for (String id : new ArrayList<>(households.keySet())) {
      int roll = random.nextInt(4);
      boolean hasVisits =
          visits.values().stream().anyMatch(visit -> id.equals(visit.get("household_id")));
      if (roll == 0 && !hasVisits) {
        households.remove(id);
        changes.add("DELETE FROM households WHERE id = '" + id + "'");
        changed++;
      } else if (roll <= 1) {
        Map<String, Object> household = household(random, id);
        changed += household.equals(households.put(id, household)) ? 0 : 1;
        changes.add(update("households", household));
      }
    }
    Collections.shuffle(changes, new Random(random.nextLong()));
    changes.add(0, "BEGIN");
    changes.add("COMMIT");
    writer.sql(changes.toArray(String[]::new));
    writer.sync();

    assertThat(packed.sync().pulled()).isEqualTo(changed);
    assertThat(unpacked.sync().pulled()).isEqualTo(changed);
    assertLanded(packed, households, visits);
    assertLanded(unpacked, households, visits);
    assertThat(packed.scalar("SELECT count(*) FROM _fs_changelog")).isEqualTo(0L);
  }

  private static void assertLanded(
      TestDevice device,
      Map<String, Map<String, Object>> households,
      Map<String, Map<String, Object>> visits) {
    assertThat(device.query(HOUSEHOLDS)).isEqualTo(new ArrayList<>(households.values()));
    assertThat(device.query(VISITS)).isEqualTo(new ArrayList<>(visits.values()));
  }

  private static Map<String, Object> household(SplittableRandom random, String id) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", id);
    row.put("region", random.nextBoolean() ? "north" : "sür-" + random.nextInt(1000) + " 東");
    row.put("head_name", random.nextInt(4) == 0 ? null : "Head 'q' " + random.nextInt());
    // A counter (conflict: sum) travels as a change of its total: never null here.
    row.put("visits", random.nextLong(-1000, 1_000_000_000_000L));
    row.put("score", real(random));
    row.put("active", random.nextInt(5) == 0 ? null : (long) random.nextInt(2));
    return row;
  }

  /** Reals of few decimals travel as digits, others as doubles; both print exactly. */
  private static Double real(SplittableRandom random) {
    if (random.nextInt(5) == 0) {
      return null;
    }
    return random.nextBoolean() ? random.nextInt(-4000, 4000) / 100.0 : random.nextInt() / 1024.0;
  }

  /** A visit; its temperature (conflict: max) is set when it is made, and never lowered. */
  private static Map<String, Object> visit(SplittableRandom random, String id, int households) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", id);
    row.put(
        "household_id",
        random.nextInt(6) == 0 ? null : Households.household(random.nextInt(households)));
    row.put("temperature", real(random));
    return row;
  }

  private static String insert(String table, Map<String, Object> row) {
    List<String> values = new ArrayList<>();
    row.values().forEach(value -> values.add(literal(value)));
    return "INSERT INTO "
        + table
        + " ("
        + String.join(", ", row.keySet())
        + ") VALUES ("
        + String.join(", ", values)
        + ")";
  }

  private static String update(String table, Map<String, Object> row) {
    List<String> sets = new ArrayList<>();
    row.forEach(
        (column, value) -> {
          if (!column.equals("id")) {
            sets.add(column + " = " + literal(value));
          }
        });
    return "UPDATE "
        + table
        + " SET "
        + String.join(", ", sets)
        + " WHERE id = '"
        + row.get("id")
        + "'";
  }

  private static String literal(Object value) {
    if (value == null) {
      return "NULL";
    }
    if (value instanceof String text) {
      return "'" + text.replace("'", "''") + "'";
    }
    return value.toString();
  }
}
