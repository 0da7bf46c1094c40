package io.fieldsync.store.jdbc;

import io.fieldsync.StorageException;
import io.fieldsync.store.RecoveryStore;
import java.sql.SQLException;
import java.util.List;

/**
 * Removes old tombstones and remembers, per tenant, the highest sequence removed ({@code
 * _fs_purged}). A tombstone's commit time is known from purge marks ({@code _fs_purge_marks}:
 * tenant, sequence, time), one recorded per run; a run removes the tombstones up to the newest mark
 * at least the horizon old. Thread-safe, and safe to run on several nodes at once.
 */
final class TombstonePurge {
  private final JdbcTransactions transactions;
  private final Dialect dialect;

  TombstonePurge(JdbcTransactions transactions) {
    this.transactions = transactions;
    this.dialect = transactions.dialect();
  }

  long purgeTombstones(long nowMillis, long horizonMillis) {
    if (horizonMillis < 0) {
      throw new IllegalArgumentException(
          "horizonMillis must not be negative, found " + horizonMillis);
    }
    List<String> tenants =
        transactions.read(
            "listing tenants",
            connection ->
                new Queries(connection)
                    .queryList(
                        "SELECT tenant FROM _fs_sequence ORDER BY tenant",
                        row -> row.getString(1)));
    long removed = 0;
    for (String tenant : tenants) {
      removed += purgeTenant(tenant, nowMillis, horizonMillis);
    }
    return removed;
  }

  /**
   * One tenant's purge, under the tenant's sequence lock so no writer commits a tombstone between
   * the mark and the delete.
   */
  private long purgeTenant(String tenant, long nowMillis, long horizonMillis) {
    return transactions.writeAlone(
        "purging tombstones of tenant '" + tenant + "'",
        connection -> {
          Queries sql = new Queries(connection);
          long sequence = dialect.lockSequence(connection, tenant);
          if (sql.queryLong(
                  "SELECT count(*) FROM _fs_purge_marks WHERE tenant = ? AND seq = ?",
                  tenant,
                  sequence)
              == 0) {
            sql.update(
                "INSERT INTO _fs_purge_marks (tenant, seq, at) VALUES (?, ?, ?)",
                tenant,
                sequence,
                nowMillis);
          }
          long cutoff =
              Math.min(
                  sql.queryLong(
                      "SELECT coalesce(max(seq), -1) FROM _fs_purge_marks"
                          + " WHERE tenant = ? AND at <= ?",
                      tenant,
                      nowMillis - horizonMillis),
                  hold(sql, tenant));
          long removed = 0;
          if (cutoff >= 0) {
            long highest =
                sql.queryLong(
                    "SELECT coalesce(max(seq), 0) FROM _fs_records"
                        + " WHERE tenant = ? AND deleted = 1 AND seq <= ?",
                    tenant,
                    cutoff);
            if (highest > 0) {
              removed =
                  sql.update(
                      "DELETE FROM _fs_records WHERE tenant = ? AND deleted = 1 AND seq <= ?",
                      tenant,
                      cutoff);
              long before =
                  sql.queryLong(
                      "SELECT coalesce(max(seq), 0) FROM _fs_purged WHERE tenant = ?", tenant);
              if (sql.update(
                      "UPDATE _fs_purged SET seq = ? WHERE tenant = ?",
                      Math.max(before, highest),
                      tenant)
                  == 0) {
                sql.update("INSERT INTO _fs_purged (tenant, seq) VALUES (?, ?)", tenant, highest);
              }
            }
            // Older marks can never be the newest mark past the horizon again.
            sql.update("DELETE FROM _fs_purge_marks WHERE tenant = ? AND seq < ?", tenant, cutoff);
          }
          return removed;
        });
  }

  /** The sequence above which the tenant's tombstones are held, {@code Long.MAX_VALUE} if none. */
  private static long hold(Queries sql, String tenant) throws SQLException {
    String key = RecoveryStore.tombstoneHoldKey(tenant);
    String value = StoreSettings.first(sql, key);
    if (value == null) {
      return Long.MAX_VALUE;
    }
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new StorageException(
          "setting '" + key + "' must be a sequence number, found '" + value + "'", e);
    }
  }

  long purgedThrough(String tenant) {
    return transactions.read(
        "reading the purge horizon of tenant '" + tenant + "'",
        connection ->
            new Queries(connection)
                .queryLong(
                    "SELECT coalesce(max(seq), 0) FROM _fs_purged WHERE tenant = ?", tenant));
  }
}
