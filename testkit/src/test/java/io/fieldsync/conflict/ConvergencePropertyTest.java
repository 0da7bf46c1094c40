package io.fieldsync.conflict;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.testkit.FaultyTransport;
import io.fieldsync.testkit.FaultyTransport.Fault;
import io.fieldsync.testkit.ManualClock;
import io.fieldsync.testkit.SeededTest;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random edit histories on several devices, synced in random orders through a transport that
 * duplicates pushes and drops responses. Every replica must equal the server, and the server must
 * equal a model of what the users did ({@link Expected}): each counter the start plus every
 * increment, each union the elements added less those a user cleared while seeing them, each max
 * and min the extreme written, each lww field the write with the highest (stamp, device). Two fresh
 * seeds a run; a failure names the command that replays its seed ({@code -Dfieldsync.seed=N}).
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

  /**
   * The model: what every replica must hold, from the edits alone and the stamps their captures
   * gave them.
   */
  static final class Expected {
    private final Map<String, Map<String, Object>> rows = new TreeMap<>();
    private final Map<String, java.util.Set<String>> tags = new TreeMap<>();
    private final Map<String, long[]> lww = new TreeMap<>(); // stamp, device index
    private long visits;

    void insert(String id) {
      Map<String, Object> row = new TreeMap<>();
      row.put("id", id);
      row.put("head_name", "start");
      row.put("visit_count", 0L);
      row.put("max_temp", 50L);
      row.put("min_temp", 50L);
      rows.put(id, row);
      tags.put(id, new java.util.TreeSet<>());
    }

    /**
     * Tells the model about {@code edit}, made on {@code device}, which showed {@code seenTags}
     * before it; {@code captured} says whether it changed the row (an lww write of the value shown
     * changes nothing and goes nowhere).
     */
    void apply(Edit edit, TestDevice device, java.util.Set<String> seenTags, boolean captured) {
      String id = id(edit.record());
      Map<String, Object> row = rows.get(id);
      long value = 40 + edit.amount() * 5L;
      switch (edit.kind()) {
        case 0 -> {
          row.merge("visit_count", (long) edit.amount(), (a, b) -> (Long) a + (Long) b);
          visits += edit.amount();
        }
        case 1 -> tags.get(id).add(edit.element());
        case 2 -> row.merge("max_temp", value, (a, b) -> Math.max((Long) a, (Long) b));
        case 3 -> row.merge("min_temp", value, (a, b) -> Math.min((Long) a, (Long) b));
        case 4 -> {
          if (!captured) {
            return;
          }
          long stamp =
              (Long) device.scalar("SELECT hlc FROM _fs_changelog ORDER BY id DESC LIMIT 1");
          long[] winner = lww.get(id);
          if (winner == null
              || io.fieldsync.clock.Hlc.compare(
                      stamp, "device-" + edit.device(), winner[0], "device-" + winner[1])
                  > 0) {
            lww.put(id, new long[] {stamp, edit.device()});
            row.put("head_name", edit.name());
          }
        }
        default -> tags.get(id).removeAll(seenTags);
      }
    }

    long visits() {
      return visits;
    }

    /** The rows, union arrays as sets of their JSON elements (their order follows arrival). */
    List<Map<String, Object>> rows() {
      List<Map<String, Object>> result = new ArrayList<>();
      rows.forEach(
          (id, row) -> {
            Map<String, Object> copy = new TreeMap<>(row);
            copy.put("tags", new TreeSet<>(tags.get(id)));
            result.add(copy);
          });
      return result;
    }
  }

  /** The JSON elements of a device's union column as it shows them now. */
  private static java.util.Set<String> tagsOn(TestDevice device, int record) {
    java.util.Set<String> seen = new TreeSet<>();
    JsonParser.parseString(
            (String) device.value("SELECT tags FROM households WHERE id = ?", id(record)))
        .getAsJsonArray()
        .forEach(element -> seen.add(element.toString()));
    return seen;
  }

  /** Runs the histories; returns the server's final rows. */
  private List<Map<String, Object>> run(
      long seed, List<List<Edit>> rounds, long orderSeed, Path where) throws Exception {
    Files.createDirectories(where);
    Random order = new Random(orderSeed);
    try (TestServer server =
        TestServer.builder(where).schema(SCHEMA).clock(ManualClock.startingNow()).start()) {
      List<TestDevice> devices = new ArrayList<>();
      List<FaultyTransport> transports = new ArrayList<>();
      for (int d = 0; d < DEVICES; d++) {
        String name = "device-" + d;
        FaultyTransport flaky = flaky(server.http(0, server.token(name)), orderSeed * 31 + d);
        if (d == 0) {
          // Device 0's first call is the push of the records it creates: losing its response
          // makes every history replay at least one batch, whatever the random draws.
          flaky.script(Fault.DROP_RESPONSE);
        }
        transports.add(flaky);
        devices.add(server.device(name, builder -> builder.seed(name.hashCode()).transport(flaky)));
      }
      Expected expected = new Expected();
      for (int r = 0; r < RECORDS; r++) {
        expected.insert(id(r));
        devices
            .get(0)
            .execute(
                "INSERT INTO households (id, head_name, visit_count, tags, max_temp, min_temp)"
                    + " VALUES (?, 'start', 0, '[]', 50, 50)",
                id(r));
      }
      for (TestDevice device : devices) {
        device.syncThroughFaults();
      }
      for (List<Edit> edits : rounds) {
        for (Edit edit : edits) {
          TestDevice device = devices.get(edit.device());
          java.util.Set<String> seen = tagsOn(device, edit.record());
          Object before = device.scalar("SELECT coalesce(max(id), 0) FROM _fs_changelog");
          apply(device, edit);
          Object after = device.scalar("SELECT coalesce(max(id), 0) FROM _fs_changelog");
          expected.apply(edit, device, seen, !after.equals(before));
        }
        List<TestDevice> syncing = new ArrayList<>(devices);
        Collections.shuffle(syncing, order);
        for (TestDevice device : syncing.subList(0, 1 + order.nextInt(DEVICES))) {
          device.syncThroughFaults();
        }
      }
      long faults = 0;
      for (FaultyTransport transport : transports) {
        transport.enabled(false);
        faults +=
            transport.events().stream()
                .filter(event -> event.operation().equals("push"))
                .filter(
                    event ->
                        event.fault() == Fault.DUPLICATE || event.fault() == Fault.DROP_RESPONSE)
                .count();
      }
      assertThat(faults)
          .as(
              "seed %d: the transport duplicated or dropped some pushes; calls %s",
              seed, transports.stream().map(FaultyTransport::events).toList())
          .isPositive();
      for (int pass = 0; pass < 2; pass++) {
        for (TestDevice device : devices) {
          device.syncThroughFaults();
        }
      }
      List<Map<String, Object>> serverRows = server.query("SELECT * FROM households ORDER BY 1");
      for (TestDevice device : devices) {
        assertThat(device.rows("households"))
            .as("seed %d: device %s converges with the server", seed, device)
            .isEqualTo(serverRows);
      }
      long total = 0;
      for (Map<String, Object> row : serverRows) {
        total += ((Number) row.get("visit_count")).longValue();
      }
      assertThat(total)
          .as(
              "seed %d: no counter increment lost or doubled (replay -Dfieldsync.seed=%d)",
              seed, seed)
          .isEqualTo(expected.visits());
      assertThat(normalized(serverRows))
          .as(
              "seed %d: the server equals the model of the edits (replay -Dfieldsync.seed=%d)",
              seed, seed)
          .isEqualTo(expected.rows());
      return serverRows;
    }
  }

  /**
   * Delivers every push but, at random, sends it twice (the server must answer the second delivery
   * with the recorded outcome) or loses the response after the server committed (the device must
   * resend the same batch); loses one pull response in six.
   */
  private static FaultyTransport flaky(Transport http, long seed) {
    return new FaultyTransport(http, seed)
        .pushRate(Fault.DROP_RESPONSE, 0.25)
        .pushRate(Fault.DUPLICATE, 0.25)
        .pullRate(Fault.DROP_RESPONSE, 1.0 / 6);
  }

  /** Applies one edit offline. */
  private static void apply(TestDevice device, Edit edit) {
    String id = id(edit.record());
    switch (edit.kind()) {
      case 0 -> {
        device.execute(
            "UPDATE households SET visit_count = visit_count + ? WHERE id = ?", edit.amount(), id);
      }
      case 1 ->
          device.execute(
              "UPDATE households SET tags = json_insert(tags, '$[#]', json(?)) WHERE id = ?",
              edit.element(),
              id);
      case 2 ->
          device.execute(
              "UPDATE households SET max_temp = ? WHERE id = ?", 40 + edit.amount() * 5, id);
      case 3 ->
          device.execute(
              "UPDATE households SET min_temp = ? WHERE id = ?", 40 + edit.amount() * 5, id);
      case 4 -> device.execute("UPDATE households SET head_name = ? WHERE id = ?", edit.name(), id);
      default -> device.execute("UPDATE households SET tags = '[]' WHERE id = ?", id);
    }
  }

  @SeededTest(runs = 2)
  void randomHistoriesWithRetriesConvergeAndCountEveryIncrementOnce(long seed) throws Exception {
    run(seed, histories(seed, false), seed, dir.resolve("all-" + seed));
  }

  @SeededTest(runs = 2)
  void orderIndependentStrategiesDoNotDependOnTheSyncOrder(long seed) throws Exception {
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

  /** Rows with union arrays as sets: their element order follows arrival order. */
  private static List<Map<String, Object>> normalized(List<Map<String, Object>> rows) {
    List<Map<String, Object>> result = new ArrayList<>();
    for (Map<String, Object> row : rows) {
      Map<String, Object> copy = new TreeMap<>(row);
      copy.replaceAll(
          (column, value) -> value instanceof Integer number ? Long.valueOf(number) : value);
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
