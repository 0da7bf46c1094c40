package io.fieldsync.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fieldsync.client.internal.state.DeviceFixture;
import io.fieldsync.client.internal.state.Jdbc;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No captured write is lost: seeded random inserts, updates, replacements, upserts, ignored inserts
 * and deletes, in transactions (some rolled back) on the library's connection and on a plain second
 * connection, leave a log whose replay from an empty table gives exactly the rows the test wrote,
 * with strictly increasing stamps of this device.
 */
class CaptureCompletenessTest {
  private static final List<String> COLUMNS = List.of("region", "head_name", "visits", "score");

  @TempDir Path dir;
  private FieldSyncClient client;
  private DeviceFixture fixture;

  private Path db() {
    return dir.resolve("device.db");
  }

  /** A device database that never syncs, open through the library and through the fixture. */
  private void init() {
    DeviceFixture.create(db()).close();
    client = FieldSyncClient.open(db());
    fixture = DeviceFixture.open(db());
  }

  @AfterEach
  void close() {
    if (fixture != null) {
      fixture.close();
    }
    if (client != null) {
      client.close();
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3})
  void replayingTheLogGivesEveryRowTheTestWrote(long seed) throws Exception {
    init();
    SplittableRandom random = new SplittableRandom(seed);
    Map<String, Map<String, Object>> expected = new HashMap<>();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      ids.add(String.format("0190c6a2-0000-7000-8000-%012d", i));
    }
    try (Connection library = client.connection();
        Connection other = DriverManager.getConnection("jdbc:sqlite:" + db())) {
      for (int transaction = 0; transaction < 150; transaction++) {
        Connection connection = random.nextBoolean() ? library : other;
        boolean rollBack = random.nextInt(10) == 0;
        Map<String, Map<String, Object>> after = copy(expected);
        connection.setAutoCommit(false);
        int statements = 1 + random.nextInt(5);
        for (int s = 0; s < statements; s++) {
          write(connection, random, ids.get(random.nextInt(ids.size())), after);
        }
        if (rollBack) {
          connection.rollback();
        } else {
          connection.commit();
          expected.clear();
          expected.putAll(after);
        }
        connection.setAutoCommit(true);
      }
    }

    assertThat(table()).as("seed %d: the table", seed).isEqualTo(expected);
    assertThat(replay()).as("seed %d: the log replayed", seed).isEqualTo(expected);
    String device = (String) fixture.scalar("SELECT device FROM _fs_state");
    long previous = Long.MIN_VALUE;
    for (Map<String, Object> row : fixture.log()) {
      assertThat(row.get("device")).isEqualTo(device);
      long hlc = ((Number) row.get("hlc")).longValue();
      assertThat(hlc)
          .as("seed %d: stamp of log row %s", seed, row.get("id"))
          .isGreaterThan(previous);
      previous = hlc;
    }
  }

  /** One random write of record {@code id}, applied to the database and to {@code model}. */
  private static void write(
      Connection connection,
      SplittableRandom random,
      String id,
      Map<String, Map<String, Object>> model)
      throws Exception {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("region", "r" + random.nextInt(3));
    values.put("head_name", random.nextInt(4) == 0 ? null : "n" + random.nextInt(5));
    values.put("visits", (long) random.nextInt(4));
    values.put("score", random.nextInt(4) == 0 ? null : random.nextDouble() * 100);
    boolean exists = model.containsKey(id);
    switch (random.nextInt(6)) {
      case 0 -> {
        if (!exists) {
          execute(
              connection,
              "INSERT INTO households (id, region, head_name, visits, score) VALUES (?, ?, ?, ?, ?)",
              id,
              values);
          model.put(id, values);
        }
      }
      case 1 -> {
        execute(
            connection,
            "INSERT OR REPLACE INTO households (id, region, head_name, visits, score) VALUES (?, ?, ?, ?, ?)",
            id,
            values);
        model.put(id, values);
      }
      case 2 -> {
        execute(
            connection,
            "INSERT INTO households (id, region, head_name, visits, score) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET head_name = excluded.head_name, score = excluded.score",
            id,
            values);
        if (exists) {
          model.get(id).put("head_name", values.get("head_name"));
          model.get(id).put("score", values.get("score"));
        } else {
          model.put(id, values);
        }
      }
      case 3 -> {
        execute(
            connection,
            "INSERT OR IGNORE INTO households (id, region, head_name, visits, score) VALUES (?, ?, ?, ?, ?)",
            id,
            values);
        model.putIfAbsent(id, values);
      }
      case 4 -> {
        try (PreparedStatement update =
            connection.prepareStatement(
                "UPDATE households SET visits = visits + ?, head_name = ? WHERE id = ?")) {
          update.setLong(1, (Long) values.get("visits"));
          update.setObject(2, values.get("head_name"));
          update.setString(3, id);
          update.executeUpdate();
        }
        if (exists) {
          Map<String, Object> row = model.get(id);
          row.put("visits", (Long) row.get("visits") + (Long) values.get("visits"));
          row.put("head_name", values.get("head_name"));
        }
      }
      default -> {
        try (PreparedStatement delete =
            connection.prepareStatement("DELETE FROM households WHERE id = ?")) {
          delete.setString(1, id);
          delete.executeUpdate();
        }
        model.remove(id);
      }
    }
  }

  private static void execute(
      Connection connection, String sql, String id, Map<String, Object> values) throws Exception {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setString(1, id);
      int i = 2;
      for (String column : COLUMNS) {
        statement.setObject(i++, values.get(column));
      }
      statement.executeUpdate();
    }
  }

  private static Map<String, Map<String, Object>> copy(Map<String, Map<String, Object>> rows) {
    Map<String, Map<String, Object>> result = new HashMap<>();
    rows.forEach((id, row) -> result.put(id, new LinkedHashMap<>(row)));
    return result;
  }

  private Map<String, Map<String, Object>> table() throws Exception {
    Map<String, Map<String, Object>> result = new HashMap<>();
    for (Map<String, Object> row :
        fixture.query("SELECT id, region, head_name, visits, score FROM households")) {
      Map<String, Object> values = new LinkedHashMap<>();
      for (String column : COLUMNS) {
        values.put(column, row.get(column));
      }
      result.put((String) row.get("id"), values);
    }
    return result;
  }

  /** The rows the log describes, applied in log order to an empty table. */
  private Map<String, Map<String, Object>> replay() throws Exception {
    Map<String, Map<String, Object>> result = new HashMap<>();
    for (Map<String, Object> row : fixture.log()) {
      String id = (String) row.get("rid");
      switch ((String) row.get("op")) {
        case "I" -> {
          assertThat(result)
              .as("log row %s inserts a present record", row.get("id"))
              .doesNotContainKey(id);
          result.put(
              id,
              values(
                  JsonParser.parseString((String) row.get("vals")).getAsJsonObject(),
                  new LinkedHashMap<>()));
        }
        case "U" -> {
          assertThat(result)
              .as("log row %s updates a missing record", row.get("id"))
              .containsKey(id);
          values(
              JsonParser.parseString((String) row.get("vals")).getAsJsonObject(), result.get(id));
        }
        case "D" -> {
          assertThat(result)
              .as("log row %s deletes a missing record", row.get("id"))
              .containsKey(id);
          result.remove(id);
        }
        default -> throw new AssertionError("unknown op in " + row);
      }
    }
    return result;
  }

  private static Map<String, Object> values(JsonObject vals, Map<String, Object> into) {
    for (String column : COLUMNS) {
      if (!vals.has(column)) {
        continue;
      }
      JsonElement value = vals.get(column);
      Object parsed;
      if (value.isJsonNull()) {
        parsed = null;
      } else if (column.equals("visits")) {
        parsed = value.getAsLong();
      } else if (column.equals("score")) {
        parsed = value.getAsDouble();
      } else {
        parsed = value.getAsString();
      }
      into.put(column, Jdbc.normalize(parsed));
    }
    return into;
  }
}
