package io.fieldsync.testkit;

import static io.fieldsync.testkit.FieldSurvey.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.schema.Column;
import io.fieldsync.schema.Table;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.LongStream;

/**
 * Devices pulling a seeded history in pages of many sizes, some runs cut between pages and resumed
 * after the database is reopened, end with exactly the rows the test wrote: the expected rows are
 * the test's own model of its writes (never read from the server), so a record or field lost,
 * doubled or garbled on the way (packing, compression, paging, applying) fails. Values include
 * multi-byte text, full-precision and few-decimal reals, nulls and timestamps.
 */
class PagedPullModelTest extends EndToEndTest {
  private static final long BASE_SEED = 0x9a6e_d0c5_2026L;
  private static final int SEEDS = 12;
  private static final int[] PAGE_SIZES = {1, 2, 3, 5, 7, 16, 64, 1000};
  private static final String[] NAMES = {
    "Awa", "Ngoné Diop", "Ωmega", "中文名", "emoji 🌍 head", "O'Neil \"quoted\"", ""
  };

  static LongStream seeds() {
    return LongStream.range(0, SEEDS).map(i -> BASE_SEED + i * 0x9e37_79b9_7f4a_7c15L);
  }

  @SeededTest(seedsFrom = "seeds")
  void devicesPullingInVariedPagesHoldExactlyWhatWasWritten(long seed) {
    new History(seed).run();
  }

  private static long cursor(TestDevice device) {
    return (Long) device.scalar("SELECT cursor FROM _fs_state");
  }

  /** One writer's seeded inserts, edits and deletes of households, and readers pulling them. */
  private final class History {
    final long seed;
    final Random random;
    final Table households = server.schema().table("households");

    /** The households as written: id to column values (absent column: null). */
    final Map<String, Map<String, Object>> model = new TreeMap<>();

    final List<String> live = new ArrayList<>();
    final List<PagedReader> readers = new ArrayList<>();
    TestDevice writer;
    int next = 1;
    int cuts;

    History(long seed) {
      this.seed = seed;
      this.random = new Random(seed);
    }

    int pageSize() {
      return PAGE_SIZES[random.nextInt(PAGE_SIZES.length)];
    }

    void run() {
      writer = server.device("writer");
      readers.add(new PagedReader(server, "reader-0", pageSize(), Integer.MAX_VALUE));
      // A bulk first: runs of many pages for every page size.
      int bulk = 150 + random.nextInt(250);
      for (int i = 0; i < bulk; i++) {
        insert();
      }
      writer.sync();
      int steps = 30 + random.nextInt(20);
      for (int step = 0; step < steps; step++) {
        int writes = 1 + random.nextInt(random.nextInt(4) == 0 ? 40 : 6);
        for (int i = 0; i < writes; i++) {
          write(step);
        }
        int sync = random.nextInt(10);
        if (sync < 4) {
          writer.sync();
        } else if (sync < 6) {
          pick(readers).device.sync();
        } else if (sync < 8) {
          if (pick(readers).syncCut(1 + random.nextInt(3))) {
            cuts++;
          }
        } else if (readers.size() < 5) {
          writer.sync();
          int allowed = random.nextBoolean() ? 1 + random.nextInt(4) : Integer.MAX_VALUE;
          PagedReader fresh =
              new PagedReader(server, "reader-" + readers.size(), pageSize(), allowed);
          readers.add(fresh);
          if (PagedReader.syncAllowingCut(fresh.device)) {
            cuts++;
          }
          fresh.reopen(Integer.MAX_VALUE);
        }
      }
      writer.sync();
      writer.sync();
      long head = cursor(writer);
      String expected = expected();
      assertThat(writer.snapshot().toString()).as("seed %d: the writer", seed).isEqualTo(expected);
      for (PagedReader reader : readers) {
        // A run cut between pages may resume with the page the server prepared ahead of the cut,
        // complete as of then: the next sync brings the rest.
        for (int attempt = 0; attempt < 3 && cursor(reader.device) < head; attempt++) {
          reader.device.sync();
        }
        assertThat(cursor(reader.device))
            .as("seed %d: cursor of %s", seed, reader.name)
            .isEqualTo(head);
        assertThat(reader.device.snapshot().toString())
            .as(
                "seed %d: rows of %s (pages of %d) against the writes",
                seed, reader.name, reader.pageSize)
            .isEqualTo(expected);
      }
      System.out.printf(
          "seed %d: %d households written, %d live, %d readers, %d cut syncs%n",
          seed, next - 1, live.size(), readers.size(), cuts);
    }

    /** The model as a snapshot of all tables (visits and measurements are never written). */
    String expected() {
      Map<String, Map<String, Map<String, Object>>> tables = new LinkedHashMap<>();
      for (Table table : server.schema().tables().values()) {
        Map<String, Map<String, Object>> rows = new TreeMap<>();
        if (table.name().equals(households.name())) {
          for (Map.Entry<String, Map<String, Object>> record : model.entrySet()) {
            Map<String, Object> row = new LinkedHashMap<>();
            for (Column column : table.columns().values()) {
              Object value =
                  column.primaryKey() ? record.getKey() : record.getValue().get(column.name());
              row.put(column.name(), value == null ? null : column.type().coerce(value));
            }
            rows.put(record.getKey(), row);
          }
        }
        tables.put(table.name(), rows);
      }
      return new Replicas.Snapshot(tables).toString();
    }

    <T> T pick(List<T> list) {
      return list.get(random.nextInt(list.size()));
    }

    void write(int step) {
      int action = random.nextInt(10);
      if (action < 4 || live.isEmpty()) {
        insert();
      } else if (action < 9) {
        update(step);
      } else {
        String id = live.remove(random.nextInt(live.size()));
        writer.execute("DELETE FROM households WHERE id = ?", id);
        model.remove(id);
      }
    }

    void insert() {
      String id = uuid(next++);
      Map<String, Object> values = new LinkedHashMap<>();
      values.put("region", "r" + random.nextInt(3));
      values.put("head_name", name());
      values.put("members", (long) random.nextInt(12));
      values.put("visit_count", (long) random.nextInt(5));
      values.put("tags", "[\"t" + random.nextInt(4) + "\"]");
      values.put("latitude", real());
      values.put("longitude", real());
      values.put("registered_at", timestamp());
      writer.execute(
          "INSERT INTO households (id, region, head_name, members, visit_count, tags, latitude,"
              + " longitude, registered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          id,
          values.get("region"),
          values.get("head_name"),
          values.get("members"),
          values.get("visit_count"),
          values.get("tags"),
          values.get("latitude"),
          values.get("longitude"),
          values.get("registered_at"));
      model.put(id, values);
      live.add(id);
    }

    /** One or more last-writer-wins columns of a live household, from its only writer. */
    void update(int step) {
      String id = pick(live);
      Map<String, Object> values = model.get(id);
      String column =
          switch (random.nextInt(4)) {
            case 0 -> "head_name";
            case 1 -> "latitude";
            case 2 -> "longitude";
            default -> "registered_at";
          };
      Object value =
          switch (column) {
            case "head_name" -> random.nextBoolean() ? name() : "edit " + step;
            case "registered_at" -> timestamp();
            default -> real();
          };
      writer.execute("UPDATE households SET " + column + " = ? WHERE id = ?", value, id);
      values.put(column, value);
    }

    String name() {
      int pick = random.nextInt(NAMES.length + 2);
      if (pick == NAMES.length) {
        return null;
      }
      return pick > NAMES.length ? "head " + random.nextInt(1000) : NAMES[pick];
    }

    Double real() {
      return switch (random.nextInt(4)) {
        case 0 -> null;
        case 1 -> random.nextInt(100_000) / 8.0;
        case 2 -> random.nextInt(2_000_000) / 1000.0 - 1000;
        default -> random.nextDouble() * 180 - 90;
      };
    }

    String timestamp() {
      if (random.nextInt(5) == 0) {
        return null;
      }
      String millis = random.nextBoolean() ? "" : String.format(".%03d", 1 + random.nextInt(999));
      return String.format(
          "2026-%02d-%02dT%02d:%02d:%02d%sZ",
          1 + random.nextInt(12),
          1 + random.nextInt(28),
          random.nextInt(24),
          random.nextInt(60),
          random.nextInt(60),
          millis);
    }
  }
}
