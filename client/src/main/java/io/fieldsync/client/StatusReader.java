package io.fieldsync.client;

import io.fieldsync.StorageException;
import io.fieldsync.client.internal.state.DeviceDatabase;
import io.fieldsync.client.internal.state.DeviceFile;
import io.fieldsync.client.internal.state.DeviceState;
import io.fieldsync.client.internal.state.Jdbc;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * The status queries of a client, each on a connection of its own so they never wait for a running
 * cycle. Thread-safe.
 */
final class StatusReader {
  private final DeviceFile database;

  StatusReader(DeviceFile database) {
    this.database = database;
  }

  /**
   * @throws StorageException when the database cannot be read
   */
  SyncStatus status(int schemaVersion, SyncResult lastResult, String lastError) {
    return read(
        (c, state, jdbc) ->
            new SyncStatus(
                state.device(),
                state.tenant(),
                schemaVersion,
                state.cursor(),
                jdbc.count("_fs_changelog"),
                jdbc.count("_fs_rejected"),
                lastResult,
                state.lastSyncAt(),
                lastError));
  }

  /** What the last worker on this database recorded, as the status of a stopped worker. */
  WorkerStatus stoppedWorker(String stopReason) {
    return read(
        (c, state, jdbc) -> {
          long cursor = state.cursor();
          long sequence = Math.max(cursor, state.workerServerSequence());
          return WorkerStatus.stopped(
              jdbc.count("_fs_changelog"),
              cursor,
              sequence,
              state.lastSyncAt(),
              state.workerLastError(),
              stopReason);
        });
  }

  private interface Query<T> {
    T run(Connection c, DeviceState state, Jdbc jdbc) throws SQLException;
  }

  private <T> T read(Query<T> query) {
    try (Connection c = DeviceDatabase.connect(database, false)) {
      return query.run(c, new DeviceState(c), new Jdbc(c));
    } catch (SQLException e) {
      throw DeviceDatabase.storage(e);
    }
  }
}
