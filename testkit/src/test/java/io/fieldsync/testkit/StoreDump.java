package io.fieldsync.testkit;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every row of every table of a server database, as text grouped by tenant: what a request that was
 * refused must leave exactly as it was. Rows of tables without a {@code _tenant} column go under
 * the tenant {@code "*"}.
 */
record StoreDump(Map<String, String> byTenant) {

  static StoreDump of(ServerDatabase database) {
    Map<String, List<String>> rows = new TreeMap<>();
    try (Connection connection = database.connect()) {
      List<String> tables = new ArrayList<>();
      DatabaseMetaData meta = connection.getMetaData();
      try (ResultSet found = meta.getTables(null, null, "%", new String[] {"TABLE"})) {
        while (found.next()) {
          String schema = found.getString("TABLE_SCHEM");
          if (schema == null || schema.equals("public")) {
            tables.add(found.getString("TABLE_NAME"));
          }
        }
      }
      // What nodes saw of requests, for the admin console, saved on the nodes' own schedule: a
      // record of traffic like a log, not data a request changes.
      tables.removeAll(List.of("_fs_device_activity", "_fs_traffic"));
      Collections.sort(tables);
      try (Statement sql = connection.createStatement()) {
        for (String table : tables) {
          try (ResultSet result =
              sql.executeQuery("SELECT * FROM \"" + table.replace("\"", "\"\"") + "\"")) {
            ResultSetMetaData columns = result.getMetaData();
            int tenantColumn = 0;
            for (int i = 1; i <= columns.getColumnCount(); i++) {
              String name = columns.getColumnName(i);
              if (name.equals("_tenant") || (table.startsWith("_fs_") && name.equals("tenant"))) {
                tenantColumn = i;
              }
            }
            while (result.next()) {
              StringBuilder row = new StringBuilder(table).append(':');
              for (int i = 1; i <= columns.getColumnCount(); i++) {
                Object value = result.getObject(i);
                row.append(' ')
                    .append(columns.getColumnName(i))
                    .append('=')
                    .append(
                        value instanceof byte[] bytes
                            ? java.util.HexFormat.of().formatHex(bytes)
                            : value);
              }
              String tenant =
                  tenantColumn == 0 ? "*" : String.valueOf(result.getObject(tenantColumn));
              rows.computeIfAbsent(tenant, key -> new ArrayList<>()).add(row.toString());
            }
          }
        }
      }
    } catch (SQLException e) {
      throw new AssertionError("cannot read " + database + ": " + e.getMessage(), e);
    }
    Map<String, String> text = new TreeMap<>();
    rows.forEach(
        (tenant, lines) -> {
          Collections.sort(lines);
          text.put(tenant, String.join("\n", lines));
        });
    return new StoreDump(Map.copyOf(text));
  }

  /** The rows of one tenant (and of tables without tenant when {@code tenant} is "*"). */
  String tenant(String tenant) {
    return byTenant.getOrDefault(tenant, "");
  }

  /** This dump without the lines that contain {@code text}, and how many there were. */
  StoreDump without(String text) {
    Map<String, String> kept = new TreeMap<>();
    byTenant.forEach(
        (tenant, lines) ->
            kept.put(
                tenant,
                String.join("\n", lines.lines().filter(line -> !line.contains(text)).toList())));
    return new StoreDump(Map.copyOf(kept));
  }

  /** How many rows contain {@code text}. */
  long count(String text) {
    return byTenant.values().stream()
        .flatMap(String::lines)
        .filter(line -> line.contains(text))
        .count();
  }

  @Override
  public String toString() {
    return new TreeMap<>(byTenant).toString();
  }
}
