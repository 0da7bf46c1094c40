package io.fieldsync.testkit;

import static io.fieldsync.testkit.FieldSurvey.household;
import static io.fieldsync.testkit.FieldSurvey.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.TransportException;
import io.fieldsync.testkit.FaultyTransport.Fault;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Several devices make random offline edits (inserts, last-writer-wins fields, counter increments,
 * deletes) and sync in random order over a network that loses responses, fails requests and
 * delivers pushes twice. After a final fault-free round every replica equals the server, and the
 * server equals a model of what the users did: the households inserted and not deleted, each
 * counter the increments made, each last-writer-wins field the write with the highest (stamp,
 * device), each stamp read from the writer's outbox as its capture made it. Devices pull in pages
 * of 1 to 7 records or of 1000, so runs of pages are cut by the faults too. Replay a failure with
 * {@code -Dfieldsync.seed=N}.
 */
class RandomConvergenceTest extends EndToEndTest {
  private static final String[] LWW_TEXT = {"head_name", "region"};
  private static final String[] LWW_REAL = {"latitude", "longitude"};

  @SeededTest
  void randomOfflineEditsOverAFaultyNetworkConverge(long seed) {
    run(seed);
  }

  private void run(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int deviceCount = 3 + random.nextInt(3);
    List<FaultyTransport> networks = new ArrayList<>();
    List<TestDevice> fleet = new ArrayList<>();
    // Drawn apart from the edits, so a seed replays the same edits whatever the page sizes.
    SplittableRandom pageSizes = new SplittableRandom(~seed);
    List<Integer> pages = new ArrayList<>();
    for (int i = 0; i < deviceCount; i++) {
      String name = "device-" + i;
      FaultyTransport network =
          FaultyTransport.http(server.uri(), server.token(name), random.nextLong())
              .rate(Fault.DROP_RESPONSE, 0.15)
              .rate(Fault.FAIL_BEFORE_SEND, 0.05)
              .rate(Fault.DUPLICATE, 0.10)
              .rate(Fault.DELAY, 0.05)
              .delay(java.time.Duration.ofMillis(5))
              .script(Fault.DROP_RESPONSE);
      networks.add(network);
      int pageSize = pageSizes.nextInt(3) == 0 ? 1000 : 1 + pageSizes.nextInt(7);
      pages.add(pageSize);
      fleet.add(
          server.device(
              name,
              builder ->
                  builder.transport(network).seed(random.nextLong()).pullPageSize(pageSize)));
    }

    List<String> households = new ArrayList<>();
    Map<String, Long> increments = new HashMap<>();
    Map<String, Map<String, Write>> lww = new HashMap<>();
    java.util.Set<String> deleted = new java.util.HashSet<>();
    int failures = 0;
    int steps = 60 + random.nextInt(40);
    for (int step = 0; step < steps; step++) {
      TestDevice device = fleet.get(random.nextInt(deviceCount));
      int action = random.nextInt(100);
      if (action < 15 || households.isEmpty()) {
        String id = uuid(households.size() + 1);
        households.add(id);
        String region = "r" + random.nextInt(3);
        device.sql(household(id, region, "head " + step));
        long hlc = lastStamp(device);
        Map<String, Write> fields = lww.computeIfAbsent(id, unused -> new HashMap<>());
        fields.put("region", new Write(region, hlc, device.name()));
        fields.put("head_name", new Write("head " + step, hlc, device.name()));
        fields.put("latitude", new Write(null, hlc, device.name()));
        fields.put("longitude", new Write(null, hlc, device.name()));
      } else if (action < 65) {
        String id = households.get(random.nextInt(households.size()));
        String name;
        Object value;
        if (random.nextBoolean()) {
          name = LWW_TEXT[random.nextInt(LWW_TEXT.length)];
          value = device.name() + " " + step;
        } else {
          name = LWW_REAL[random.nextInt(LWW_REAL.length)];
          value = random.nextInt(2000) / 10.0;
        }
        String literal = value instanceof String text ? "'" + text + "'" : value.toString();
        long before = lastLogId(device);
        device.sql("UPDATE households SET " + name + " = " + literal + " WHERE id = '" + id + "'");
        if (lastLogId(device) > before) { // captured: the row is here and the value changed
          written(lww, id, name, new Write(value, lastStamp(device), device.name()));
        }
      } else if (action < 85) {
        String id = households.get(random.nextInt(households.size()));
        long delta = 1 + random.nextInt(3);
        String also = random.nextBoolean() ? ", head_name = 'counted " + step + "'" : "";
        int updated =
            device.sql(
                "UPDATE households SET visit_count = visit_count + "
                    + delta
                    + also
                    + " WHERE id = '"
                    + id
                    + "'");
        if (updated > 0) { // the driver counts trigger writes too; 0 means no such row
          increments.merge(id, delta, Long::sum);
          if (!also.isEmpty()) {
            written(
                lww,
                id,
                "head_name",
                new Write("counted " + step, lastStamp(device), device.name()));
          }
        }
      } else if (action < 90) {
        String id = households.get(random.nextInt(households.size()));
        if (device.sql("DELETE FROM households WHERE id = '" + id + "'") > 0) {
          deleted.add(id);
        }
      } else {
        failures += syncIgnoringNetworkFaults(device);
      }
      if (random.nextInt(4) == 0) {
        failures += syncIgnoringNetworkFaults(fleet.get(random.nextInt(deviceCount)));
      }
    }

    for (FaultyTransport network : networks) {
      network.enabled(false);
    }
    for (int round = 0; round < 2; round++) {
      for (TestDevice device : fleet) {
        device.sync();
      }
    }

    Replicas.Snapshot rows = server.assertConverged(fleet.toArray(TestDevice[]::new));
    long dropped = networks.stream().mapToLong(network -> network.count(Fault.DROP_RESPONSE)).sum();
    assertThat(dropped).as("responses dropped").isGreaterThanOrEqualTo(deviceCount);
    assertThat(failures).as("syncs that failed on the network").isPositive();
    assertThat(rows.rows("households").keySet())
        .as("households inserted and not deleted")
        .containsExactlyInAnyOrderElementsOf(
            households.stream().filter(id -> !deleted.contains(id)).toList());
    for (Map.Entry<String, Map<String, Object>> row : rows.rows("households").entrySet()) {
      lww.get(row.getKey())
          .forEach(
              (column, winner) ->
                  assertThat(row.getValue().get(column))
                      .as(
                          "%s of %s: the write of %s at %d",
                          column, row.getKey(), winner.device(), winner.hlc())
                      .isEqualTo(winner.value()));
    }
    long expectedTotal = 0;
    long total = 0;
    for (Map.Entry<String, Map<String, Object>> row : rows.rows("households").entrySet()) {
      long expected = increments.getOrDefault(row.getKey(), 0L);
      assertThat(row.getValue().get("visit_count"))
          .as("visit_count of %s", row.getKey())
          .isEqualTo(expected);
      expectedTotal += expected;
      total += (Long) row.getValue().get("visit_count");
    }
    assertThat(total).isEqualTo(expectedTotal);
    Map<String, Map<String, Object>> model = new java.util.TreeMap<>();
    for (String id : households) {
      if (deleted.contains(id)) {
        continue;
      }
      Map<String, Object> row = new java.util.TreeMap<>();
      row.put("id", id);
      lww.get(id).forEach((column, winner) -> row.put(column, winner.value()));
      row.put("visit_count", increments.getOrDefault(id, 0L));
      row.put("members", null); // never written: as inserted
      row.put("tags", "[]");
      row.put("notes", null);
      row.put("registered_at", null);
      model.put(id, row);
    }
    Map<String, Map<String, Object>> stored = new java.util.TreeMap<>();
    rows.rows("households").forEach((id, row) -> stored.put(id, new java.util.TreeMap<>(row)));
    assertThat(stored).as("every column of every household against the model").isEqualTo(model);
    System.out.printf(
        "seed %d: %d devices (pages of %s), %d steps, %d households live of %d, %d dropped responses, %d failed"
            + " syncs, visit total %d%n",
        seed,
        deviceCount,
        pages,
        steps,
        rows.rows("households").size(),
        households.size(),
        dropped,
        failures,
        total);
  }

  /** A last-writer-wins write as the model keeps it. */
  private record Write(Object value, long hlc, String device) {}

  /** The write wins over the field's winner so far when its (stamp, device) is higher. */
  private static void written(
      Map<String, Map<String, Write>> lww, String id, String column, Write write) {
    lww.get(id)
        .merge(
            column,
            write,
            (old, now) ->
                io.fieldsync.clock.Hlc.compare(now.hlc(), now.device(), old.hlc(), old.device()) > 0
                    ? now
                    : old);
  }

  private static long lastLogId(TestDevice device) {
    return (Long) device.scalar("SELECT coalesce(max(id), 0) FROM _fs_changelog");
  }

  /** The stamp of the device's last captured write, as its trigger computed it. */
  private static long lastStamp(TestDevice device) {
    return (Long) device.scalar("SELECT hlc FROM _fs_changelog ORDER BY id DESC LIMIT 1");
  }

  /** One sync; a network fault (retriable) counts as 1, anything else fails the test. */
  private static int syncIgnoringNetworkFaults(TestDevice device) {
    try {
      device.sync();
      return 0;
    } catch (TransportException e) {
      assertThat(e.getMessage()).startsWith("injected fault: ");
      return 1;
    }
  }
}
