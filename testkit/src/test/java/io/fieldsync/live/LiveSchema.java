package io.fieldsync.live;

import io.fieldsync.testkit.TestDevice;

/** The schema of the live, verify and resync tests, and rows of it. */
final class LiveSchema {
  static final String YAML =
      """
      version: 1
      tables:
        households:
          columns:
            id:          { type: uuid, primary_key: true }
            region:      { type: text, required: true }
            head_name:   { type: text }
            visit_count: { type: integer, conflict: sum }
            score:       { type: real }
            active:      { type: boolean }
        visits:
          columns:
            id:           { type: uuid, primary_key: true }
            household_id: { type: uuid, references: households }
            note:         { type: text }
      """;

  private LiveSchema() {}

  static String uuid(int n) {
    return String.format("00000000-0000-7000-8000-%012d", n);
  }

  static void insertHousehold(TestDevice device, int n, String name) {
    device.sql(
        "INSERT INTO households (id, region, head_name, visit_count, score, active) VALUES ('"
            + uuid(n)
            + "', 'north', '"
            + name
            + "', 1, 2.5, 1)");
  }

  static long count(TestDevice device, String table) {
    return ((Number) device.value("SELECT count(*) FROM " + table)).longValue();
  }
}
