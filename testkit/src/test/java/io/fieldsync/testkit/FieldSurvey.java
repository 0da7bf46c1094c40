package io.fieldsync.testkit;

import java.util.UUID;

/** Rows of the example field-survey schema ({@link TestServer#EXAMPLE_SCHEMA}) for tests. */
final class FieldSurvey {
  private FieldSurvey() {}

  /** A time-ordered record id, distinct for each {@code n}. */
  static String uuid(int n) {
    return new UUID(0x0190f3a400007000L, 0x8000000000000000L | n).toString();
  }

  /** An INSERT of a household with a zero visit count and no tags. */
  static String household(String id, String region, String head) {
    return "INSERT INTO households (id, region, head_name, visit_count, tags) VALUES ('"
        + id
        + "', '"
        + region
        + "', '"
        + head
        + "', 0, '[]')";
  }
}
