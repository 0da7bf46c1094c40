package io.fieldsync.testkit;

import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** Rows of the example field-survey schema ({@link TestServer#EXAMPLE_SCHEMA}) for tests. */
final class FieldSurvey {
  private FieldSurvey() {}

  /**
   * The example schema with two tables scoped through their parents: members of a household, and
   * vaccinations of a member, so a vaccination's scope is its member's household's region.
   */
  static Schema withScopedChildren() {
    return SchemaLoader.parse(withChildren(1, true));
  }

  /**
   * The YAML of the example schema at {@code version} with members and vaccinations: scoped through
   * their parents as in {@link #withScopedChildren}, or, when {@code scoped} is false, unscoped
   * (every device of the tenant receives them).
   */
  static String withChildren(int version, boolean scoped) {
    String example;
    try {
      example = Files.readString(TestServer.exampleSchemaFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!example.contains("\nversion: 1\n")) {
      throw new IllegalStateException("the example schema no longer says version: 1");
    }
    return example.replace("\nversion: 1\n", "\nversion: " + version + "\n")
        + """
              members:
            """
        + (scoped ? "    scope: { via: household_id }\n" : "")
        + """
                columns:
                  id:           { type: uuid, primary_key: true }
                  household_id: { type: uuid, references: households, on_parent_delete: cascade }
                  name:         { type: text }
                  age:          { type: integer }
              vaccinations:
            """
        + (scoped ? "    scope: { via: member_id }\n" : "")
        + """
                columns:
                  id:        { type: uuid, primary_key: true }
                  member_id: { type: uuid, references: members, on_parent_delete: cascade }
                  vaccine:   { type: text }
                  dose:      { type: integer }
            """;
  }

  /** An INSERT of a member of a household ({@link #withScopedChildren}); null household: none. */
  static String member(String id, String household, String name, int age) {
    return "INSERT INTO members (id, household_id, name, age) VALUES ('"
        + id
        + "', "
        + (household == null ? "NULL" : "'" + household + "'")
        + ", '"
        + name
        + "', "
        + age
        + ")";
  }

  /** The row a snapshot holds for {@link #member}. */
  static Map<String, Object> memberRow(String id, String household, String name, int age) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", id);
    row.put("household_id", household);
    row.put("name", name);
    row.put("age", (long) age);
    return row;
  }

  /** The row a snapshot holds for {@link #vaccination}. */
  static Map<String, Object> vaccinationRow(String id, String member, String vaccine, int dose) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", id);
    row.put("member_id", member);
    row.put("vaccine", vaccine);
    row.put("dose", (long) dose);
    return row;
  }

  /** An INSERT of a vaccination of a member ({@link #withScopedChildren}). */
  static String vaccination(String id, String member, String vaccine, int dose) {
    return "INSERT INTO vaccinations (id, member_id, vaccine, dose) VALUES ('"
        + id
        + "', '"
        + member
        + "', '"
        + vaccine
        + "', "
        + dose
        + ")";
  }

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
