package io.fieldsync.bench;

import com.github.luben.zstd.Zstd;
import io.fieldsync.client.SyncResult;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Incremental sync cost: device A edits one field of each of {@code edits} distinct records and
 * syncs; device B syncs. Counts every byte each side puts on the wire and compares it with sending
 * each edited record as a full JSON object.
 */
final class IncrementalScenario {
  private final BenchOptions options;
  private final Results results;
  private final PrintStream log;

  IncrementalScenario(BenchOptions options, Results results, PrintStream log) {
    this.options = options;
    this.results = results;
    this.log = log;
  }

  void run(
      BenchServer server,
      MeteredDevice a,
      MeteredDevice b,
      Dataset data,
      long blocks,
      String store,
      long records,
      int repeat)
      throws SQLException {
    SplittableRandom random = new SplittableRandom(options.seed() * 31 + repeat);
    long baseline = 0;
    Map<String, Dataset.Edit> expected = new LinkedHashMap<>();
    try (Connection connection = a.client().connection()) {
      connection.setAutoCommit(false);
      while (expected.size() < options.edits()) {
        long block = random.nextLong(blocks);
        List<Dataset.Row> rows = data.block(block);
        Dataset.Row row = rows.get(random.nextInt(rows.size()));
        if (expected.containsKey(row.id())) {
          continue;
        }
        Dataset.Edit edit = Dataset.edit(row, random);
        Map<String, Object> values = new LinkedHashMap<>(row.values());
        values.put(edit.column(), edit.value());
        baseline += Dataset.json(row.id(), values).getBytes(StandardCharsets.UTF_8).length;
        expected.put(row.id(), edit);
        try (PreparedStatement update =
            connection.prepareStatement(
                "UPDATE " + edit.table() + " SET " + edit.column() + " = ? WHERE id = ?")) {
          update.setObject(1, edit.value());
          update.setString(2, edit.id());
          if (update.executeUpdate() != 1) {
            throw new IllegalStateException(
                "device-a has no " + edit.table() + " record " + edit.id() + " to edit");
          }
        }
      }
      connection.commit();
    }
    long requestsBefore = a.transport().requests();
    long up = server.meter.up();
    long down = server.meter.down();
    SyncResult pushed = a.client().syncNow();
    long pushRequests = a.transport().requests() - requestsBefore;
    long pushUp = server.meter.up() - up;
    long pushDown = server.meter.down() - down;
    up = server.meter.up();
    down = server.meter.down();
    b.client().syncNow();
    long pullUp = server.meter.up() - up;
    long pullDown = server.meter.down() - down;
    if (pushed.pushed() != options.edits()) {
      throw new IllegalStateException(
          "device-a pushed " + pushed.pushed() + " changes, expected " + options.edits());
    }
    verify(b, expected.values());
    // A floor no encoding of these edits can beat by much: just the edited records' ids,
    // zstd-compressed at the codec's level (the rest of each change is table, column, value,
    // stamp).
    StringBuilder ids = new StringBuilder();
    expected.keySet().forEach(id -> ids.append(id).append('\n'));
    long idsFloor = Zstd.compress(ids.toString().getBytes(StandardCharsets.UTF_8), 3).length;
    results.add("incremental_ids_only_zstd_bytes", "bytes", store, records, 1, null, idsFloor);
    long pushBytes = pushUp + pushDown;
    long pullBytes = pullUp + pullDown;
    Results.Target kb = new Results.Target("<= 25,000 B", v -> v <= 25_000);
    Results.Target tenth = new Results.Target("<= 0.10", v -> v <= 0.10);
    results.add("incremental_push_bytes", "bytes", store, records, 1, kb, pushBytes);
    results.add("incremental_push_request_bytes", "bytes", store, records, 1, null, pushUp);
    results.add("incremental_push_response_bytes", "bytes", store, records, 1, null, pushDown);
    results.add("incremental_pull_bytes", "bytes", store, records, 1, kb, pullBytes);
    results.add("incremental_pull_request_bytes", "bytes", store, records, 1, null, pullUp);
    results.add("incremental_pull_response_bytes", "bytes", store, records, 1, null, pullDown);
    results.add("incremental_baseline_bytes", "bytes", store, records, 1, null, baseline);
    results.add(
        "incremental_push_ratio",
        "of baseline",
        store,
        records,
        1,
        tenth,
        pushBytes / (double) baseline);
    results.add(
        "incremental_pull_ratio",
        "of baseline",
        store,
        records,
        1,
        tenth,
        pullBytes / (double) baseline);
    results.add("incremental_push_requests", "requests", store, records, 1, null, pushRequests);
    log.printf(
        "  %,d one-field edits: push %,d B (req %,d / resp %,d), pull %,d B (req %,d / resp %,d),"
            + " full-record JSON %,d B each way%n",
        options.edits(), pushBytes, pushUp, pushDown, pullBytes, pullUp, pullDown, baseline);
  }

  private static void verify(MeteredDevice device, Iterable<Dataset.Edit> edits)
      throws SQLException {
    try (Connection connection = device.client().connection()) {
      for (Dataset.Edit edit : edits) {
        try (PreparedStatement select =
            connection.prepareStatement(
                "SELECT " + edit.column() + " FROM " + edit.table() + " WHERE id = ?")) {
          select.setString(1, edit.id());
          try (ResultSet rows = select.executeQuery()) {
            Object found = rows.next() ? rows.getObject(1) : null;
            if (found == null || !String.valueOf(found).equals(String.valueOf(edit.value()))) {
              throw new IllegalStateException(
                  device.name()
                      + " shows "
                      + edit.table()
                      + " "
                      + edit.id()
                      + " "
                      + edit.column()
                      + " = "
                      + found
                      + " after the sync, expected "
                      + edit.value());
            }
          }
        }
      }
    }
  }
}
