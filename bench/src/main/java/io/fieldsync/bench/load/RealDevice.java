package io.fieldsync.bench.load;

import io.fieldsync.SyncException;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A real device: a device database kept by the library, written by plain SQL through a JDBC
 * connection of the driver's own (as an app or the {@code sqlite3} shell would; the capture
 * triggers record the writes), synced by {@link FieldSyncClient#syncNow()} through the flaky
 * network. Its writes go into the model when they commit locally: the outbox must deliver them.
 *
 * <p>Its actions run one at a time (they hold the device's lock) on the fleet's threads.
 */
final class RealDevice implements AutoCloseable {
  private final Fleet fleet;
  private final String tenant;
  private final String name;
  private final FieldSyncClient client;
  private final Connection writer;
  private final SplittableRandom random;
  private final UserWrites user;

  RealDevice(
      Fleet fleet,
      String tenant,
      String name,
      FieldSyncClient client,
      Path database,
      List<String> households,
      long seed)
      throws SQLException {
    this.fleet = fleet;
    this.tenant = tenant;
    this.name = name;
    this.client = client;
    this.random = new SplittableRandom(seed);
    this.user = new UserWrites(name, households, random);
    this.writer = DriverManager.getConnection("jdbc:sqlite:" + database);
    try (Statement pragma = writer.createStatement()) {
      pragma.execute("PRAGMA busy_timeout = 10000");
    }
  }

  String tenant() {
    return tenant;
  }

  String name() {
    return name;
  }

  /** Syncs until it holds the households, then schedules the first round of writes. */
  void start(long delayMillis) {
    fleet.after(
        delayMillis,
        "device join",
        () -> {
          synchronized (this) {
            syncUntilDone("device join sync");
          }
          scheduleRound();
        });
  }

  private void scheduleRound() {
    if (!fleet.stopping()) {
      fleet.after(
          Fleet.exponential(random, fleet.options.deviceInterval()), "device sync", this::round);
    }
  }

  private void round() {
    fleet.round(
        this,
        () -> {
          write(1 + random.nextInt(3));
          long started = System.nanoTime();
          try {
            client.syncNow();
            fleet.tally.time(LoadReport.DEVICE_SYNC, started);
          } catch (SyncException e) {
            fleet.tally.error("device sync", e);
          }
        },
        this::scheduleRound);
  }

  /** Writes {@code count} changes by plain SQL in one transaction, and notes them in the model. */
  private void write(int count) {
    List<UserWrites.Write> writes = new ArrayList<>();
    try {
      writer.setAutoCommit(false);
      for (int i = 0; i < count; i++) {
        writes.add(writeOne());
      }
      writer.commit();
    } catch (SQLException e) {
      try {
        writer.rollback();
      } catch (SQLException ignored) {
        // The write already failed; that failure is the one counted.
      }
      fleet.tally.error("device write", e);
      return;
    } finally {
      try {
        writer.setAutoCommit(true);
      } catch (SQLException e) {
        fleet.tally.error("device write", e);
      }
    }
    writes.forEach(write -> write.record(fleet.model, tenant));
  }

  private UserWrites.Write writeOne() throws SQLException {
    UserWrites.Write write = user.next();
    if (write instanceof UserWrites.NewVisit visit) {
      Map<String, Object> values = visit.values();
      execute(
          "INSERT INTO visits (id, household_id, visited_at, visitor, summary, follow_up)"
              + " VALUES (?, ?, ?, ?, ?, ?)",
          visit.id(),
          values.get("household_id"),
          values.get("visited_at"),
          values.get("visitor"),
          values.get("summary"),
          (Boolean) values.get("follow_up") ? 1 : 0);
    } else if (write instanceof UserWrites.EditSummary edit) {
      execute("UPDATE visits SET summary = ? WHERE id = ?", edit.summary(), edit.id());
    } else if (write instanceof UserWrites.CountVisits count) {
      execute(
          "UPDATE households SET visit_count = coalesce(visit_count, 0) + ?, members = ?"
              + " WHERE id = ?",
          count.delta(),
          count.members(),
          count.household());
    } else if (write instanceof UserWrites.DeleteVisit delete) {
      execute("DELETE FROM visits WHERE id = ?", delete.id());
    }
    return write;
  }

  private void execute(String sql, Object... arguments) throws SQLException {
    try (PreparedStatement statement = writer.prepareStatement(sql)) {
      for (int i = 0; i < arguments.length; i++) {
        statement.setObject(i + 1, arguments[i]);
      }
      if (statement.executeUpdate() != 1) {
        throw new SQLException("'" + sql + "' changed no row of device " + name);
      }
    }
  }

  /** Syncs until nothing is pending (the run's end, after the network healed). */
  synchronized void finish() {
    syncUntilDone("device final sync");
  }

  private void syncUntilDone(String operation) {
    for (int attempt = 1; ; attempt++) {
      try {
        client.syncNow();
        if (client.status().pending() == 0) {
          return;
        }
      } catch (SyncException e) {
        fleet.tally.error(operation, e);
        if (!e.isRetriable() || attempt == 50) {
          return;
        }
      }
      Fleet.backOff(random, attempt);
    }
  }

  /** The device's tables, read by plain SQL, in canonical form. */
  synchronized Rows replica(Schema schema) throws SQLException {
    Rows rows = new Rows(schema);
    try (Statement statement = writer.createStatement()) {
      for (Table table : schema.tables().values()) {
        try (ResultSet result = statement.executeQuery("SELECT * FROM \"" + table.name() + "\"")) {
          while (result.next()) {
            Map<String, Object> values = new HashMap<>();
            for (Column column : table.columns().values()) {
              values.put(column.name(), result.getObject(column.name()));
            }
            rows.put(table.name(), result.getString(table.primaryKey().name()), values);
          }
        }
      }
    }
    return rows;
  }

  @Override
  public void close() throws SQLException {
    writer.close();
    client.close();
  }
}
