package io.fieldsync.testkit.sim;

import io.fieldsync.schema.Column;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.testkit.Replicas;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The end of a simulated run: every device and the server compared with the model, by value (a
 * {@code union} set as its sorted elements), and a digest of the bytes every database was left
 * with.
 */
final class FinalState {
  private FinalState() {}

  /** Appends to {@code failure} how any device or the server differs from the model. */
  static void compare(
      SimServer server,
      List<SimDevice> devices,
      Model model,
      Model.Stamps commits,
      StringBuilder failure) {
    Schema schema = server.schema();
    Replicas.Snapshot serverRows = Replicas.server(server.store(), SimServer.TENANT, schema);
    Map<SimDevice, Replicas.Snapshot> deviceRows = new java.util.LinkedHashMap<>();
    for (SimDevice device : devices) {
      deviceRows.put(device, Replicas.device(device.file, device.client().schema()));
    }
    List<String> columns = new ArrayList<>(schema.table("items").columns().keySet());
    compareTable(
        "items", model.expected(columns, commits), server, serverRows, deviceRows, failure);
    compareTable(
        "tallies", model.expectedTallies(commits), server, serverRows, deviceRows, failure);
    for (SimDevice device : devices) {
      long pending = device.client().status().pending();
      if (pending != 0) {
        failure
            .append(device.name)
            .append(" still has ")
            .append(pending)
            .append(" pending changes\n");
      }
    }
  }

  private static void compareTable(
      String name,
      Map<String, Map<String, Object>> expected,
      SimServer server,
      Replicas.Snapshot serverSnapshot,
      Map<SimDevice, Replicas.Snapshot> deviceSnapshots,
      StringBuilder failure) {
    Table table = server.schema().table(name);
    String want = show(expected);
    String serverRows = show(canonical(table, serverSnapshot));
    if (!serverRows.equals(want)) {
      failure
          .append("the server's ")
          .append(name)
          .append(" differ from the model\n  model:  ")
          .append(want.replace("\n", "\n          "))
          .append("\n  server: ")
          .append(serverRows.replace("\n", "\n          "))
          .append('\n');
    }
    deviceSnapshots.forEach(
        (device, snapshot) -> {
          // A device that never pulled a value of a newer schema's column may still follow the
          // old one: compare the columns it has, and none of those it lacks may hold a value.
          Schema own = device.client().schema();
          Table ownTable = own.table(name);
          String rows = show(canonical(ownTable, snapshot));
          String wantHere = show(project(expected, ownTable));
          expected.forEach(
              (id, row) ->
                  row.forEach(
                      (column, value) -> {
                        if (value != null && ownTable.column(column) == null) {
                          failure
                              .append(device.name)
                              .append(" follows schema v")
                              .append(own.version())
                              .append(", without column ")
                              .append(column)
                              .append(", which holds a value in ")
                              .append(id)
                              .append('\n');
                        }
                      }));
          if (!rows.equals(wantHere)) {
            failure
                .append(device.name)
                .append("'s ")
                .append(name)
                .append(" differ from the model\n  ")
                .append(device.name)
                .append(":     ")
                .append(rows.replace("\n", "\n          "))
                .append('\n');
          }
        });
  }

  private static Map<String, Map<String, Object>> canonical(
      Table items, Replicas.Snapshot snapshot) {
    Map<String, Map<String, Object>> rows = new TreeMap<>();
    snapshot
        .rows(items.name())
        .forEach(
            (id, row) -> {
              Map<String, Object> copy = new java.util.LinkedHashMap<>();
              for (Column column : items.columns().values()) {
                Object value = row.get(column.name());
                if (column.name().equals("tags") && value != null) {
                  value = Model.canonicalTags(Model.tagList(value));
                }
                copy.put(column.name(), value);
              }
              rows.put(id, copy);
            });
    return rows;
  }

  /** The rows with only the columns of {@code table}. */
  private static Map<String, Map<String, Object>> project(
      Map<String, Map<String, Object>> rows, Table table) {
    Map<String, Map<String, Object>> result = new TreeMap<>();
    rows.forEach(
        (id, row) -> {
          Map<String, Object> copy = new java.util.LinkedHashMap<>();
          for (String column : table.columns().keySet()) {
            copy.put(column, row.get(column));
          }
          result.put(id, copy);
        });
    return result;
  }

  private static String show(Map<String, Map<String, Object>> rows) {
    StringBuilder text = new StringBuilder();
    rows.forEach((id, row) -> text.append(row).append('\n'));
    return text.toString();
  }

  /** A digest of every database file the run left, once closed: same seed, same bytes. */
  static String fingerprint(Path directory) {
    try (Stream<Path> files = Files.list(directory)) {
      java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
      for (Path file : files.filter(f -> f.toString().endsWith(".db")).sorted().toList()) {
        digest.update(
            file.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        digest.update(Files.readAllBytes(file));
      }
      return java.util.HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the databases in " + directory, e);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing", e);
    }
  }
}
