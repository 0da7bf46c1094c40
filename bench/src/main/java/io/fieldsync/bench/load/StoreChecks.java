package io.fieldsync.bench.load;

import io.fieldsync.schema.Schema;
import io.fieldsync.store.PullPage;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.store.SyncStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * What the driver reads of the server's database, beside the servers: a tenant's live records (read
 * through a store of its own on the same database), whether a tenant's sequence has gaps, and how
 * many connections the database holds.
 */
final class StoreChecks {
  private static final int PAGE = 1_000;

  private final SyncStore store;
  private final Connection connection;
  private final Schema schema;

  StoreChecks(SyncStore store, Connection connection, Schema schema) {
    this.store = store;
    this.connection = connection;
    this.schema = schema;
  }

  /** The tenant's live records in canonical form. */
  Rows rows(String tenant) {
    Rows rows = new Rows(schema);
    long cursor = 0;
    while (true) {
      PullPage page = store.pull(tenant, cursor, PAGE);
      if (page.records().isEmpty()) {
        return rows;
      }
      for (StoredRecord record : page.records()) {
        cursor = Math.max(cursor, record.seq());
        if (record.deleted()) {
          rows.remove(record.table(), record.id());
        } else {
          rows.put(record.table(), record.id(), record.values());
        }
      }
    }
  }

  /**
   * A gap in the tenant's sequence, in words: every number from 1 to the tenant's sequence must
   * have committed a change (the journal holds each), and none above it.
   */
  Optional<String> sequenceGap(String tenant) throws SQLException {
    long sequence = 0;
    try (PreparedStatement current =
        connection.prepareStatement("SELECT value FROM _fs_sequence WHERE tenant = ?")) {
      current.setString(1, tenant);
      try (ResultSet rows = current.executeQuery()) {
        if (rows.next()) {
          sequence = rows.getLong(1);
        }
      }
    }
    long expected = 1;
    try (PreparedStatement journal =
        connection.prepareStatement(
            "SELECT DISTINCT seq FROM _fs_journal WHERE tenant = ? AND seq > 0 ORDER BY seq")) {
      journal.setString(1, tenant);
      try (ResultSet rows = journal.executeQuery()) {
        while (rows.next()) {
          long seq = rows.getLong(1);
          if (seq != expected) {
            return Optional.of(
                "tenant "
                    + tenant
                    + ": the journal skips from sequence "
                    + (expected - 1)
                    + " to "
                    + seq);
          }
          expected++;
        }
      }
    }
    if (expected - 1 != sequence || sequence == 0) {
      return Optional.of(
          "tenant "
              + tenant
              + ": the sequence is "
              + sequence
              + " but the journal ends at "
              + (expected - 1));
    }
    return Optional.empty();
  }

  /** Connections to the database, this one left out. */
  int connections() throws SQLException {
    try (PreparedStatement count =
            connection.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    + " AND pid <> pg_backend_pid()");
        ResultSet rows = count.executeQuery()) {
      rows.next();
      return rows.getInt(1);
    }
  }
}
