package io.fieldsync.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Capture overhead: what the device's capture triggers cost an application's inserts and updates,
 * against the same table without triggers and against the floor of a trigger-based change log.
 */
final class CaptureScenario {
  private final BenchOptions options;
  private final Results results;
  private final PrintStream log;

  CaptureScenario(BenchOptions options, Results results, PrintStream log) {
    this.options = options;
    this.results = results;
    this.log = log;
  }

  /** Rounds of the capture measurement; each compares the three tables on its own rows. */
  static final int CAPTURE_ROUNDS = 5;

  /**
   * Inserts then updates the same measurement rows in a synced table (capture triggers on), in the
   * same table of a plain SQLite file with the same DDL, journal mode and synchronous setting but
   * no triggers, and in a floor table whose one trigger appends the row to a log. The rows are
   * split into {@link #CAPTURE_ROUNDS} rounds that run the three in turn, each round in another
   * order; the ratios are the medians of the rounds' ratios, so a slow spell of this shared machine
   * falls on one round rather than on one side of the comparison.
   */
  void run(BenchServer server, Dataset data, String store, long records) throws SQLException {
    int rows = (int) Math.min(options.captureRows(), records);
    try (MeteredDevice device = server.device("capture")) {
      try (Connection synced = device.client().connection();
          Connection plain =
              DriverManager.getConnection("jdbc:sqlite:" + server.dir.resolve("plain.db"));
          Connection floor =
              DriverManager.getConnection("jdbc:sqlite:" + server.dir.resolve("floor.db"))) {
        String synchronous = pragma(synced, "synchronous");
        for (Connection other : List.of(plain, floor)) {
          try (Statement ddl = other.createStatement()) {
            ddl.execute("PRAGMA journal_mode = " + pragma(synced, "journal_mode"));
            ddl.execute("PRAGMA synchronous = " + synchronous);
            ddl.execute(createSql(synced));
          }
        }
        // The floor of a trigger-based capture that logs each change with its values: one AFTER
        // INSERT/UPDATE trigger appending the row as JSON to a log (no clock, no stash).
        try (Statement ddl = floor.createStatement()) {
          ddl.execute(
              "CREATE TABLE log (id INTEGER PRIMARY KEY, tbl TEXT, rid TEXT, op TEXT, vals TEXT)");
          String json =
              "json_object('visit_id', NEW.visit_id, 'kind', NEW.kind, 'value', NEW.value,"
                  + " 'max_value', NEW.max_value, 'unit', NEW.unit, 'taken_at', NEW.taken_at)";
          ddl.execute(
              "CREATE TRIGGER log_ins AFTER INSERT ON measurements BEGIN INSERT INTO log (tbl,"
                  + " rid, op, vals) VALUES ('measurements', NEW.id, 'I', "
                  + json
                  + "); END");
          ddl.execute(
              "CREATE TRIGGER log_upd AFTER UPDATE ON measurements BEGIN INSERT INTO log (tbl,"
                  + " rid, op, vals) VALUES ('measurements', NEW.id, 'U', json_object('value',"
                  + " NEW.value)); END");
        }
        List<Dataset.Row> measurements = measurements(data, rows);
        double[][] insertSeconds = new double[CAPTURE_ROUNDS][7];
        double[][] updateSeconds = new double[CAPTURE_ROUNDS][7];
        // Ablations of the device's own capture, on copies of its DDL, one promise of the design
        // taken out each: without the stash trigger (what INSERT OR REPLACE needs); with the
        // stamp's reads of _fs_state and of the log's last row replaced by constants; with values
        // logged by json_quote (reals at 15 digits, a blob fails the write) instead of exactly; and
        // without the capture flag (the library's own writes would be logged). They say where the
        // synced side's time goes.
        try (Connection noStash =
                ablation(
                    synced,
                    server.dir.resolve("nostash.db"),
                    sql -> sql.contains("_stash\""),
                    sql -> sql);
            Connection noClock =
                ablation(
                    synced,
                    server.dir.resolve("noclock.db"),
                    sql -> false,
                    sql -> STAMP_SQL.matcher(sql).replaceAll("1, 'ablation', 0"));
            Connection noExact =
                ablation(
                    synced,
                    server.dir.resolve("noexact.db"),
                    sql -> false,
                    CaptureScenario::quoted);
            Connection noFlag =
                ablation(
                    synced,
                    server.dir.resolve("noflag.db"),
                    sql -> false,
                    sql ->
                        sql.replace(" WHEN " + CAPTURE_FLAG + " AND ", " WHEN ")
                            .replace(" WHEN " + CAPTURE_FLAG + " BEGIN ", " BEGIN "))) {
          List<Connection> sides = List.of(plain, synced, floor, noStash, noClock, noExact, noFlag);
          int chunk = Math.max(1, rows / CAPTURE_ROUNDS);
          for (int round = 0; round < CAPTURE_ROUNDS; round++) {
            List<Dataset.Row> part =
                measurements.subList(
                    Math.min(rows, round * chunk),
                    round == CAPTURE_ROUNDS - 1 ? rows : Math.min(rows, (round + 1) * chunk));
            for (int turn = 0; turn < sides.size(); turn++) {
              int side = (turn + round) % sides.size();
              insertSeconds[round][side] = insertSeconds(sides.get(side), part);
            }
            for (int turn = 0; turn < sides.size(); turn++) {
              int side = (turn + round + 1) % sides.size();
              updateSeconds[round][side] = updateSeconds(sides.get(side), part);
            }
          }
        }
        double plainInsert = rate(rows, insertSeconds, 0);
        double syncedInsert = rate(rows, insertSeconds, 1);
        double plainUpdate = rate(rows, updateSeconds, 0);
        double syncedUpdate = rate(rows, updateSeconds, 1);
        double insertOverhead = medianRatio(insertSeconds, 1);
        double updateOverhead = medianRatio(updateSeconds, 1);
        double floorInsertOverhead = medianRatio(insertSeconds, 2);
        double floorUpdateOverhead = medianRatio(updateSeconds, 2);
        Results.Target ratio = new Results.Target("<= 1.5", v -> v <= 1.5);
        results.add("capture_plain_inserts_per_s", "rows/s", store, records, 1, null, plainInsert);
        results.add(
            "capture_synced_inserts_per_s", "rows/s", store, records, 1, null, syncedInsert);
        results.add("capture_plain_updates_per_s", "rows/s", store, records, 1, null, plainUpdate);
        results.add(
            "capture_synced_updates_per_s", "rows/s", store, records, 1, null, syncedUpdate);
        results.add("capture_insert_overhead", "x plain", store, records, 1, ratio, insertOverhead);
        results.add(
            "capture_floor_insert_overhead",
            "x plain",
            store,
            records,
            1,
            null,
            floorInsertOverhead);
        results.add(
            "capture_floor_update_overhead",
            "x plain",
            store,
            records,
            1,
            null,
            floorUpdateOverhead);
        results.add("capture_update_overhead", "x plain", store, records, 1, ratio, updateOverhead);
        Results.Target nearFloor = new Results.Target("<= 1.15", v -> v <= 1.15);
        double insertVsFloor = medianRatio(insertSeconds, 1, 2);
        double updateVsFloor = medianRatio(updateSeconds, 1, 2);
        results.add(
            "capture_insert_vs_floor", "x floor", store, records, 1, nearFloor, insertVsFloor);
        results.add(
            "capture_update_vs_floor", "x floor", store, records, 1, nearFloor, updateVsFloor);
        String[] ablations = {"nostash", "noclock", "noexact", "noflag"};
        for (int i = 0; i < ablations.length; i++) {
          for (String op : List.of("insert", "update")) {
            results.add(
                "capture_" + ablations[i] + "_" + op + "_overhead",
                "x plain",
                store,
                records,
                1,
                null,
                medianRatio(op.equals("insert") ? insertSeconds : updateSeconds, 3 + i));
          }
        }
        log.printf(
            "  capture: inserts %,.0f/s synced vs %,.0f/s plain (%.2fx), updates %,.0f/s vs %,.0f/s"
                + " (%.2fx); a minimal log trigger costs %.2fx and %.2fx%n",
            syncedInsert,
            plainInsert,
            insertOverhead,
            syncedUpdate,
            plainUpdate,
            updateOverhead,
            floorInsertOverhead,
            floorUpdateOverhead);
        log.printf(
            "  capture vs the floor trigger: inserts %.2fx, updates %.2fx%n",
            insertVsFloor, updateVsFloor);
        log.printf(
            "  capture ablations (x plain, inserts and updates): without the stash trigger %.2fx"
                + " and %.2fx, with a constant stamp %.2fx and %.2fx, values by json_quote %.2fx and"
                + " %.2fx, without the capture flag %.2fx and %.2fx%n",
            medianRatio(insertSeconds, 3),
            medianRatio(updateSeconds, 3),
            medianRatio(insertSeconds, 4),
            medianRatio(updateSeconds, 4),
            medianRatio(insertSeconds, 5),
            medianRatio(updateSeconds, 5),
            medianRatio(insertSeconds, 6),
            medianRatio(updateSeconds, 6));
      }
    }
  }

  /** The first {@code rows} rows of the data set's measurements table. */
  static List<Dataset.Row> measurements(Dataset data, int rows) {
    List<Dataset.Row> measurements = new ArrayList<>(rows);
    for (long b = 0; measurements.size() < rows; b++) {
      for (Dataset.Row row : data.block(b)) {
        if (row.table().equals("measurements") && measurements.size() < rows) {
          measurements.add(row);
        }
      }
    }
    return measurements;
  }

  /** How a capture trigger stamps a log row: its HLC, device (a literal) and base sequence. */
  static final java.util.regex.Pattern STAMP_SQL =
      java.util.regex.Pattern.compile(
          java.util.regex.Pattern.quote(
                  "max(coalesce((SELECT hlc FROM _fs_changelog ORDER BY id DESC LIMIT 1), 0) + 1,"
                      + " (SELECT hlc FROM _fs_state) + 1,"
                      + " CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER) * 65536),")
              + " '[^']*', "
              + java.util.regex.Pattern.quote("(SELECT cursor FROM _fs_state)"));

  /** How a capture trigger tests the capture flag. */
  static final String CAPTURE_FLAG = "(SELECT capture FROM _fs_state) = 1";

  private static final java.util.regex.Pattern EXACT_TEXT =
      java.util.regex.Pattern.compile(
          "CASE WHEN typeof\\(((?:NEW|OLD|o)\\.\"\\w+\")\\) = 'blob' THEN json_quote\\(hex\\(\\1\\)\\)"
              + " ELSE json_quote\\(\\1\\) END");
  private static final java.util.regex.Pattern EXACT_VALUE =
      java.util.regex.Pattern.compile(
          "CASE typeof\\(((?:NEW|OLD|o)\\.\"\\w+\")\\) WHEN 'real' THEN CASE WHEN abs\\(\\1\\) <="
              + " 1\\.7976931348623157e308 THEN printf\\('%!\\.17g', \\1\\) ELSE json_quote\\(\\1\\)"
              + " END WHEN 'blob' THEN json_quote\\(hex\\(\\1\\)\\) ELSE json_quote\\(\\1\\) END");

  /** A trigger's SQL with every value logged by plain {@code json_quote}. */
  static String quoted(String sql) {
    String text = EXACT_TEXT.matcher(sql).replaceAll("json_quote($1)");
    return EXACT_VALUE.matcher(text).replaceAll("json_quote($1)");
  }

  /**
   * A database with the synced device's tables, indexes and triggers, less those {@code drop} names
   * and with each statement passed through {@code rewrite}, and a sync state with capture on.
   *
   * @throws IllegalStateException when {@code rewrite} changes no trigger: the capture triggers
   *     changed, and the ablation needs updating
   */
  private static Connection ablation(
      Connection synced, Path file, Predicate<String> drop, UnaryOperator<String> rewrite)
      throws SQLException {
    List<String> ddl = new ArrayList<>();
    boolean dropped = false;
    boolean rewritten = false;
    try (Statement read = synced.createStatement();
        ResultSet rows =
            read.executeQuery(
                "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'"
                    + " ORDER BY rowid")) {
      while (rows.next()) {
        String sql = rows.getString(1);
        if (drop.test(sql)) {
          dropped = true;
          continue;
        }
        String changed = rewrite.apply(sql);
        rewritten |= !changed.equals(sql);
        ddl.add(changed);
      }
    }
    if (!dropped && !rewritten) {
      throw new IllegalStateException(
          "the ablation "
              + file.getFileName()
              + " changes nothing in the capture triggers; update it");
    }
    Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
    try (Statement write = connection.createStatement()) {
      write.execute("PRAGMA journal_mode = " + pragma(synced, "journal_mode"));
      write.execute("PRAGMA synchronous = " + pragma(synced, "synchronous"));
      for (String sql : ddl) {
        write.execute(sql);
      }
      write.execute(
          "INSERT INTO _fs_state (id, hlc, device, capture, cursor) VALUES (1, 0, 'ablation', 1,"
              + " 0)");
    }
    return connection;
  }

  /** Rows per second of one side over all rounds. */
  static double rate(int rows, double[][] seconds, int side) {
    double total = 0;
    for (double[] round : seconds) {
      total += round[side];
    }
    return rows / total;
  }

  /** The median over the rounds of the time of {@code side} over the time of the plain table. */
  static double medianRatio(double[][] seconds, int side) {
    return medianRatio(seconds, side, 0);
  }

  /** The median over the rounds of the time of {@code side} over the time of {@code base}. */
  static double medianRatio(double[][] seconds, int side, int base) {
    double[] ratios = new double[seconds.length];
    for (int i = 0; i < seconds.length; i++) {
      ratios[i] = seconds[i][side] / seconds[i][base];
    }
    Arrays.sort(ratios);
    int middle = ratios.length / 2;
    return ratios.length % 2 == 1 ? ratios[middle] : (ratios[middle - 1] + ratios[middle]) / 2;
  }

  private static String pragma(Connection connection, String name) throws SQLException {
    try (Statement read = connection.createStatement();
        ResultSet value = read.executeQuery("PRAGMA " + name)) {
      value.next();
      return value.getString(1);
    }
  }

  /** The device's CREATE TABLE statement of the measurements table. */
  private static String createSql(Connection synced) throws SQLException {
    try (Statement read = synced.createStatement();
        ResultSet tables =
            read.executeQuery(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'measurements'")) {
      tables.next();
      return tables.getString(1);
    }
  }

  /** Seconds to insert the rows, in transactions of 1,000, as an app importing forms would. */
  static double insertSeconds(Connection connection, List<Dataset.Row> rows) throws SQLException {
    connection.setAutoCommit(false);
    long started = System.nanoTime();
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO measurements (id, visit_id, kind, value, max_value, unit, taken_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      int n = 0;
      for (Dataset.Row row : rows) {
        Map<String, Object> v = row.values();
        insert.setString(1, row.id());
        insert.setObject(2, v.get("visit_id"));
        insert.setObject(3, v.get("kind"));
        insert.setObject(4, v.get("value"));
        insert.setObject(5, v.get("max_value"));
        insert.setObject(6, v.get("unit"));
        insert.setObject(7, v.get("taken_at"));
        insert.executeUpdate();
        if (++n % 1_000 == 0) {
          connection.commit();
        }
      }
      connection.commit();
    } finally {
      connection.setAutoCommit(true);
    }
    return (System.nanoTime() - started) / 1e9;
  }

  /** Seconds to update each row once, in transactions of 1,000. */
  static double updateSeconds(Connection connection, List<Dataset.Row> rows) throws SQLException {
    connection.setAutoCommit(false);
    long started = System.nanoTime();
    try (PreparedStatement update =
        connection.prepareStatement("UPDATE measurements SET value = value + 1 WHERE id = ?")) {
      int n = 0;
      for (Dataset.Row row : rows) {
        update.setString(1, row.id());
        update.executeUpdate();
        if (++n % 1_000 == 0) {
          connection.commit();
        }
      }
      connection.commit();
    } finally {
      connection.setAutoCommit(true);
    }
    return (System.nanoTime() - started) / 1e9;
  }
}
