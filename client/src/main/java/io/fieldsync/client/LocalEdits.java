package io.fieldsync.client;

import io.fieldsync.client.internal.state.DeviceDatabase;
import io.fieldsync.client.internal.state.DeviceFile;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Reads and edits of the device database made for the application outside a sync cycle, each on a
 * connection of its own: edits take the write lock at BEGIN (waiting for a running cycle's
 * transaction), are captured like the application's own writes, and wake the worker when they
 * commit.
 */
final class LocalEdits {
  /** Work on a connection. */
  interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  private final DeviceFile database;
  private final LocalCommits commits;

  LocalEdits(DeviceFile database, LocalCommits commits) {
    this.database = database;
    this.commits = commits;
  }

  <T> T read(Work<T> work) {
    try (Connection c = DeviceDatabase.connect(database, false)) {
      return work.run(c);
    } catch (SQLException e) {
      throw DeviceDatabase.storage(e);
    }
  }

  /** Runs {@code work} in one transaction, rolled back when it throws. */
  <T> T write(Work<T> work) {
    try (Connection c = commits.watch(DeviceDatabase.connect(database, true))) {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw DeviceDatabase.storage(e);
    }
  }
}
