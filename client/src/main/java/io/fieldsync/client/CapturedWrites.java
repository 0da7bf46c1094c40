package io.fieldsync.client;

import io.fieldsync.client.internal.state.DeviceDatabase;
import io.fieldsync.client.internal.state.DeviceFile;
import io.fieldsync.client.internal.state.Jdbc;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Reads which rows local writes changed from the capture log, on a connection of its own. The log
 * is appended with increasing ids and stamps, and only acknowledgements remove rows, from its
 * start: rows newer than the last one read are those after it by id while it is still there, else
 * those with a newer stamp. A row removed before it was read (a push by another process, or one
 * that began between {@link #read} and the push taking its rows) cannot be named: every table is
 * then reported with an unknown set of ids. Reading only looks at the log when {@code PRAGMA
 * data_version} says another connection committed.
 *
 * <p>Thread-safe: the change thread reads on its schedule and a sync cycle before its push.
 */
final class CapturedWrites implements AutoCloseable {
  private record LogRow(long id, String table, String recordId, long hlc) {}

  private final Connection connection;
  private final Jdbc jdbc;
  private final Supplier<Set<String>> syncedTables;
  private long version = -1;
  private long seenId;
  private long seenHlc;

  CapturedWrites(DeviceFile database, Supplier<Set<String>> syncedTables) throws SQLException {
    this.connection = DeviceDatabase.connect(database, false);
    this.jdbc = new Jdbc(connection);
    this.syncedTables = syncedTables;
    LogRow last =
        jdbc.first(
            "SELECT id, tbl, rid, hlc FROM _fs_changelog ORDER BY id DESC LIMIT 1",
            CapturedWrites::row);
    seenId = last == null ? 0 : last.id();
    seenHlc = last == null ? drained() : last.hlc();
    version = dataVersion();
  }

  /** The rows local writes changed since the last call, or null when none did. */
  synchronized ChangedRows read() throws SQLException {
    long now = dataVersion();
    if (now == version) {
      return null;
    }
    version = now;
    boolean seenStillThere =
        seenId > 0
            && jdbc.longValue(
                    "SELECT count(*) FROM _fs_changelog WHERE id = ? AND hlc = ?", seenId, seenHlc)
                == 1;
    List<LogRow> rows =
        seenStillThere
            ? jdbc.list(
                "SELECT id, tbl, rid, hlc FROM _fs_changelog WHERE id > ? ORDER BY id",
                CapturedWrites::row,
                seenId)
            : jdbc.list(
                "SELECT id, tbl, rid, hlc FROM _fs_changelog WHERE hlc > ? ORDER BY id",
                CapturedWrites::row,
                seenHlc);
    boolean lost =
        !seenStillThere
            && (drained() > seenHlc || (!rows.isEmpty() && rows.get(0).id() > seenId + 1));
    if (!rows.isEmpty()) {
      LogRow last = rows.get(rows.size() - 1);
      seenId = last.id();
      seenHlc = last.hlc();
    }
    if (lost) {
      seenHlc = Math.max(seenHlc, drained());
      Map<String, Set<String>> all = new LinkedHashMap<>();
      syncedTables.get().forEach(table -> all.put(table, Set.of()));
      return new ChangedRows(ChangedRows.Origin.LOCAL, all);
    }
    if (rows.isEmpty()) {
      return null;
    }
    Map<String, Set<String>> ids = new LinkedHashMap<>();
    for (LogRow row : rows) {
      ids.computeIfAbsent(row.table(), table -> new LinkedHashSet<>()).add(row.recordId());
    }
    return new ChangedRows(ChangedRows.Origin.LOCAL, ids);
  }

  private long dataVersion() throws SQLException {
    return jdbc.longValue("PRAGMA data_version");
  }

  private long drained() throws SQLException {
    return jdbc.longValue("SELECT drained FROM _fs_state");
  }

  private static LogRow row(java.sql.ResultSet row) throws SQLException {
    return new LogRow(row.getLong(1), row.getString(2), row.getString(3), row.getLong(4));
  }

  @Override
  public synchronized void close() throws SQLException {
    connection.close();
  }
}
