package io.fieldsync.conflict;

import static io.fieldsync.conflict.Cluster.exec;
import static io.fieldsync.conflict.Cluster.rows;
import static io.fieldsync.conflict.Cluster.sync;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import io.fieldsync.client.FieldSyncClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random edit histories on several devices, synced in random orders through a transport that
 * duplicates pushes and drops responses. Replay a failure with {@code -Dfieldsync.seed=N}.
 */
class ConvergencePropertyTest {
  static final String SCHEMA =
      """
      version: 1
      tables:
        households:
          conflict: lww
          columns:
            id:          { type: uuid, primary_key: true }
            head_name:   { type: text }
            visit_count: { type: integer, conflict: sum }
            tags:        { type: json, conflict: union }
            max_temp:    { type: integer, conflict: max }
            min_temp:    { type: integer, conflict: min }
      """;
  static final int DEVICES = 3;
  static final int ROUNDS = 6;
  static final int RECORDS = 3;

  @TempDir Path dir;

  static List<Long> seeds() {
    String fixed = System.getProperty("fieldsync.seed");
    if (fixed != null) {
      return List.of(Long.parseLong(fixed));
    }
    long base = System.nanoTime();
    return List.of(base, base + 1);
  }

  static String id(int n) {
    return String.format("01890000-0000-7000-8000-%012d", n);
  }

  /** One device's offline edit, replayable on another cluster. */
  record Edit(int device, int record, int kind, int amount, String element, String name) {}

  /** Random histories: per round, per device, a few edits. */
  static List<List<Edit>> histories(long seed, boolean orderIndependentOnly) {
    Random random = new Random(seed);
    List<List<Edit>> rounds = new ArrayList<>();
    int counter = 0;
    for (int round = 0; round < ROUNDS; round++) {
      List<Edit> edits = new ArrayList<>();
      for (int device = 0; device < DEVICES; device++) {
        int count = random.nextInt(4);
        for (int i = 0; i < count; i++) {
          int kind = random.nextInt(orderIndependentOnly ? 4 : 6);
          edits.add(
              new Edit(
                  device,
                  random.nextInt(RECORDS),
                  kind,
                  1 + random.nextInt(5),
                  "\"d" + device + "-" + counter++ + "\"",
                  "name-" + random.nextInt(1000)));
        }
      }
      rounds.add(edits);
    }
    return rounds;
  }

  /** Runs the histories; returns the server's final rows. */
  private List<Map<String, Object>> run(
      long seed, List<List<Edit>> rounds, long orderSeed, Path where) throws Exception {
    Files.createDirectories(where);
    Random order = new Random(orderSeed);
    try (Cluster cluster = new Cluster(where, SCHEMA)) {
      List<FieldSyncClient> devices = new ArrayList<>();
      List<FlakyTransport> transports = new ArrayList<>();
      for (int d = 0; d < DEVICES; d++) {
        int index = d;
        devices.add(
            cluster.device(
                "device-" + d,
                transport -> {
                  FlakyTransport flaky = new FlakyTransport(transport, orderSeed * 31 + index);
                  transports.add(flaky);
                  return flaky;
                }));
      }
      for (int r = 0; r < RECORDS; r++) {
        exec(
            devices.get(0),
            "INSERT INTO households (id, head_name, visit_count, tags, max_temp, min_temp)"
                + " VALUES (?, 'start', 0, '[]', 50, 50)",
            id(r));
      }
      for (FieldSyncClient device : devices) {
        sync(device);
      }
      long expectedVisits = 0;
      for (List<Edit> edits : rounds) {
        for (Edit edit : edits) {
          expectedVisits += apply(devices.get(edit.device()), edit);
        }
        List<FieldSyncClient> syncing = new ArrayList<>(devices);
        Collections.shuffle(syncing, order);
        for (FieldSyncClient device : syncing.subList(0, 1 + order.nextInt(DEVICES))) {
          sync(device);
        }
      }
      int faults = 0;
      for (FlakyTransport transport : transports) {
        transport.faulty = false;
        faults += transport.duplicated + transport.dropped;
      }
      assertThat(faults)
          .as("seed %d: the transport duplicated or dropped some pushes", seed)
          .isPositive();
      for (int pass = 0; pass < 2; pass++) {
        for (FieldSyncClient device : devices) {
          sync(device);
        }
      }
      List<Map<String, Object>> server = cluster.serverRows("SELECT * FROM households ORDER BY 1");
      for (FieldSyncClient device : devices) {
        assertThat(rows(device, "households"))
            .as("seed %d: device %s converges with the server", seed, device)
            .isEqualTo(server);
      }
      long total = 0;
      for (Map<String, Object> row : server) {
        total += ((Number) row.get("visit_count")).longValue();
      }
      assertThat(total)
          .as(
              "seed %d: no counter increment lost or doubled (replay -Dfieldsync.seed=%d)",
              seed, seed)
          .isEqualTo(expectedVisits);
      return server;
    }
  }

  /** Applies one edit offline; returns the counter increment it made. */
  private static long apply(FieldSyncClient device, Edit edit) {
    String id = id(edit.record());
    switch (edit.kind()) {
      case 0 -> {
        exec(
            device,
            "UPDATE households SET visit_count = visit_count + ? WHERE id = ?",
            edit.amount(),
            id);
        return edit.amount();
      }
      case 1 ->
          exec(
              device,
              "UPDATE households SET tags = json_insert(tags, '$[#]', json(?)) WHERE id = ?",
              edit.element(),
              id);
      case 2 ->
          exec(
              device,
              "UPDATE households SET max_temp = ? WHERE id = ?",
              40 + edit.amount() * 5,
              id);
      case 3 ->
          exec(
              device,
              "UPDATE households SET min_temp = ? WHERE id = ?",
              40 + edit.amount() * 5,
              id);
      case 4 -> exec(device, "UPDATE households SET head_name = ? WHERE id = ?", edit.name(), id);
      default -> exec(device, "UPDATE households SET tags = '[]' WHERE id = ?", id);
    }
    return 0;
  }

  @Test
  void randomHistoriesWithRetriesConvergeAndCountEveryIncrementOnce() throws Exception {
    for (long seed : seeds()) {
      run(seed, histories(seed, false), seed, dir.resolve("all-" + seed));
    }
  }

  @Test
  void orderIndependentStrategiesDoNotDependOnTheSyncOrder() throws Exception {
    for (long seed : seeds()) {
      List<List<Edit>> rounds = histories(seed, true);
      List<Map<String, Object>> first = run(seed, rounds, seed, dir.resolve("first-" + seed));
      List<Map<String, Object>> second =
          run(seed, rounds, seed ^ 0x5DEECE66DL, dir.resolve("second-" + seed));
      assertThat(normalized(second))
          .as(
              "seed %d: the same histories synced in another order (replay -Dfieldsync.seed=%d)",
              seed, seed)
          .isEqualTo(normalized(first));
    }
  }

  /** Rows with union arrays as sets: their element order follows arrival order. */
  private static List<Map<String, Object>> normalized(List<Map<String, Object>> rows) {
    List<Map<String, Object>> result = new ArrayList<>();
    for (Map<String, Object> row : rows) {
      Map<String, Object> copy = new TreeMap<>(row);
      TreeSet<String> tags = new TreeSet<>();
      JsonParser.parseString((String) row.get("tags"))
          .getAsJsonArray()
          .forEach(element -> tags.add(element.toString()));
      copy.put("tags", tags);
      result.add(copy);
    }
    return result;
  }
}
