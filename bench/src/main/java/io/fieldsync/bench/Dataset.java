package io.fieldsync.bench;

import io.fieldsync.wire.Change;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.Values;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * A seeded field-survey data set on the example schema: blocks of one household, three visits and
 * six measurements (ten records), generated in foreign-key order. Block {@code b} of a given seed
 * is always the same, so any block can be regenerated without keeping the data set in memory.
 *
 * <p>Ids are UUID v7-like (48 bits of milliseconds, then seeded random bits); texts are short,
 * timestamps are ISO-8601 UTC, coordinates are in one country-sized box, counters small, tags a
 * JSON array of one to three words.
 */
final class Dataset {
  static final int BLOCK = 10;
  static final String[] TABLES = {"households", "visits", "measurements"};

  private static final long EPOCH_MILLIS = Instant.parse("2025-03-01T06:00:00Z").toEpochMilli();
  private static final String[] REGIONS = {"north", "south", "east", "west", "central"};
  private static final String[] NAMES = {
    "Amina Okafor", "Joseph Mwangi", "Grace Banda", "Peter Phiri", "Fatima Diallo",
    "Samuel Tembo", "Esther Moyo", "David Chanda", "Ruth Mbeki", "John Otieno"
  };
  private static final String[] TAGS = {
    "water-risk", "newborn", "elderly", "disability", "malaria", "follow-up", "migrant"
  };
  private static final String[] VISITORS = {"nurse-a", "nurse-b", "chw-17", "chw-22", "chw-31"};
  private static final String[] SUMMARIES = {
    "routine check, all well", "child has fever, referred", "no one home, left note",
    "vaccination card updated", "water filter delivered", "follow-up in two weeks"
  };
  private static final String[][] KINDS = {
    {"temperature", "C"}, {"weight", "kg"}, {"muac", "cm"}, {"height", "cm"}
  };

  private final long seed;

  Dataset(long seed) {
    this.seed = seed;
  }

  /** One record: its table, id and column values in canonical form (id excluded). */
  record Row(String table, String id, Map<String, Object> values) {}

  /** One field of one record set to a new value. */
  record Edit(String table, String id, String column, Object value) {}

  /**
   * A one-field edit of the row to a value it does not hold (an edit to the same value captures
   * nothing): a household's {@code head_name}, a visit's {@code summary} or a measurement's {@code
   * value}.
   */
  static Edit edit(Row row, SplittableRandom random) {
    return switch (row.table()) {
      case "households" ->
          new Edit(row.table(), row.id(), "head_name", "Head " + random.nextInt(1_000_000));
      case "visits" ->
          new Edit(row.table(), row.id(), "summary", "revisited " + random.nextInt(1_000_000));
      default ->
          new Edit(
              row.table(),
              row.id(),
              "value",
              Math.round(((Double) row.values().get("value") + 0.5) * 10) / 10.0);
    };
  }

  /** Blocks needed for at least {@code records} records. */
  static long blocks(long records) {
    return (records + BLOCK - 1) / BLOCK;
  }

  /** The ten records of block {@code b}, parents first. */
  List<Row> block(long b) {
    SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + b);
    long millis = EPOCH_MILLIS + b * 60_000L;
    List<Row> rows = new ArrayList<>(BLOCK);
    String household = uuid7(millis, random);
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("region", REGIONS[random.nextInt(REGIONS.length)]);
    h.put("head_name", NAMES[random.nextInt(NAMES.length)]);
    h.put("members", (long) (1 + random.nextInt(9)));
    h.put("visit_count", 3L);
    h.put("tags", tags(random));
    h.put("latitude", round(-17.0 + random.nextDouble() * 8.0, 6));
    h.put("longitude", round(28.0 + random.nextDouble() * 8.0, 6));
    h.put("notes", "gate " + random.nextInt(200) + ", dog");
    h.put("registered_at", Instant.ofEpochMilli(millis).toString());
    rows.add(new Row("households", household, h));
    List<String> visits = new ArrayList<>();
    for (int v = 0; v < 3; v++) {
      String visit = uuid7(millis + 1 + v, random);
      visits.add(visit);
      Map<String, Object> values = new LinkedHashMap<>();
      values.put("household_id", household);
      values.put("visited_at", Instant.ofEpochMilli(millis + (v + 1) * 86_400_000L).toString());
      values.put("visitor", VISITORS[random.nextInt(VISITORS.length)]);
      values.put("participants", "[\"" + NAMES[random.nextInt(NAMES.length)] + "\"]");
      values.put("summary", SUMMARIES[random.nextInt(SUMMARIES.length)]);
      values.put("follow_up", random.nextBoolean());
      rows.add(new Row("visits", visit, values));
    }
    for (int m = 0; m < 6; m++) {
      String[] kind = KINDS[random.nextInt(KINDS.length)];
      Map<String, Object> values = new LinkedHashMap<>();
      values.put("visit_id", visits.get(m / 2));
      values.put("kind", kind[0]);
      double value = round(1 + random.nextDouble() * 80, 1);
      values.put("value", value);
      values.put("max_value", value);
      values.put("unit", kind[1]);
      values.put("taken_at", Instant.ofEpochMilli(millis + 90_000L + m * 1000L).toString());
      rows.add(new Row("measurements", uuid7(millis + 10 + m, random), values));
    }
    return rows;
  }

  /** An insert of the row as a device would push it, every field stamped {@code hlc}. */
  static Change insert(Row row, long hlc) {
    Change.Builder change =
        Change.newBuilder()
            .setTable(row.table())
            .setRecordId(row.id())
            .setOp(Op.OP_INSERT)
            .setHlc(hlc);
    row.values()
        .forEach(
            (column, value) -> {
              FieldChange.Builder field =
                  FieldChange.newBuilder()
                      .setColumn(column)
                      .setValue(Values.toWire(value))
                      .setHlc(hlc);
              if (column.equals("visit_count")) {
                field.setDelta((Long) value);
              }
              change.addFields(field);
            });
    return change.build();
  }

  /**
   * The row as a naive REST sync would send it: one full JSON object with every column, the
   * baseline the incremental transfer is compared with.
   */
  static String json(String id, Map<String, Object> values) {
    StringBuilder json = new StringBuilder("{\"id\":\"").append(id).append('"');
    values.forEach(
        (column, value) -> {
          json.append(",\"").append(column).append("\":");
          if (value == null) {
            json.append("null");
          } else if (value instanceof String text) {
            if (text.startsWith("[")) {
              json.append(text);
            } else {
              json.append('"').append(text.replace("\"", "\\\"")).append('"');
            }
          } else {
            json.append(value);
          }
        });
    return json.append('}').toString();
  }

  private static String tags(SplittableRandom random) {
    int count = 1 + random.nextInt(3);
    int start = random.nextInt(TAGS.length);
    StringBuilder json = new StringBuilder("[");
    for (int i = 0; i < count; i++) {
      if (i > 0) {
        json.append(',');
      }
      json.append('"').append(TAGS[(start + i) % TAGS.length]).append('"');
    }
    return json.append(']').toString();
  }

  private static double round(double value, int digits) {
    double scale = Math.pow(10, digits);
    return Math.round(value * scale) / scale;
  }

  /** A UUID version 7 layout: 48 bits of Unix milliseconds, version, then random bits. */
  static String uuid7(long millis, SplittableRandom random) {
    long high = (millis << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
    long low = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
    return new UUID(high, low).toString();
  }
}
