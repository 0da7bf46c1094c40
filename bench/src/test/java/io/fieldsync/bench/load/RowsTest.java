package io.fieldsync.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.bench.Workload;
import io.fieldsync.schema.Schema;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RowsTest {
  private static final Schema SCHEMA = Workload.exampleSchema();
  private static final String HOUSEHOLD = "0192f0c0-0000-7000-8000-000000000001";
  private static final String VISIT = "0192f0c0-0000-7000-8000-000000000002";

  private static Rows rows(long visitCount, boolean withVisit) {
    Rows rows = new Rows(SCHEMA);
    rows.put("households", HOUSEHOLD, Map.of("region", "north", "visit_count", visitCount));
    if (withVisit) {
      rows.put(
          "visits",
          VISIT,
          Map.of("household_id", HOUSEHOLD, "visited_at", "2026-12-07T15:00:00Z", "follow_up", 1));
    }
    return rows;
  }

  @Test
  void aDeviceDatabasesIntegersEqualTheModelsTypedValues() {
    Rows model = new Rows(SCHEMA);
    model.put(
        "visits",
        VISIT,
        Map.of("household_id", HOUSEHOLD, "visited_at", "2026-12-07T15:00:00Z", "follow_up", true));
    Rows device = new Rows(SCHEMA);
    device.put(
        "visits",
        VISIT,
        Map.of("household_id", HOUSEHOLD, "visited_at", "2026-12-07T15:00:00Z", "follow_up", 1));
    assertThat(model.differences(device, "model", "device", 5)).isEmpty();
  }

  @Test
  void aCounterOffByOneIsNamed() {
    assertThat(rows(7, true).differences(rows(8, true), "model", "server", 5))
        .singleElement()
        .asString()
        .startsWith("households " + HOUSEHOLD + ": model has {")
        .contains("visit_count=7")
        .contains("server has {")
        .contains("visit_count=8");
  }

  @Test
  void aMissingRowIsNamed() {
    assertThat(rows(7, true).differences(rows(7, false), "model", "light-3", 5))
        .singleElement()
        .asString()
        .startsWith("visits " + VISIT + ": model has {")
        .endsWith("light-3 has no such row");
  }
}
