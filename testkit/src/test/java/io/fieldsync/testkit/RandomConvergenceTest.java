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
 * delivers pushes twice. After a final fault-free round every replica equals the server and each
 * counter equals the increments made. Devices pull in pages of 1 to 7 records or of 1000, so runs
 * of pages are cut by the faults too. Replay a failure with {@code -Dfieldsync.seed=N}.
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
    int failures = 0;
    int steps = 60 + random.nextInt(40);
    for (int step = 0; step < steps; step++) {
      TestDevice device = fleet.get(random.nextInt(deviceCount));
      int action = random.nextInt(100);
      if (action < 15 || households.isEmpty()) {
        String id = uuid(households.size() + 1);
        households.add(id);
        device.sql(household(id, "r" + random.nextInt(3), "head " + step));
      } else if (action < 65) {
        String id = households.get(random.nextInt(households.size()));
        String column =
            random.nextBoolean()
                ? LWW_TEXT[random.nextInt(LWW_TEXT.length)]
                    + " = '"
                    + device.name()
                    + " "
                    + step
                    + "'"
                : LWW_REAL[random.nextInt(LWW_REAL.length)] + " = " + (random.nextInt(2000) / 10.0);
        device.sql("UPDATE households SET " + column + " WHERE id = '" + id + "'");
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
        }
      } else if (action < 90) {
        String id = households.get(random.nextInt(households.size()));
        device.sql("DELETE FROM households WHERE id = '" + id + "'");
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
