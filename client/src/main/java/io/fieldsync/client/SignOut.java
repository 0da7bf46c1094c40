package io.fieldsync.client;

import io.fieldsync.StorageException;
import io.fieldsync.client.internal.state.DeviceDatabase;
import io.fieldsync.client.internal.state.DeviceFile;
import io.fieldsync.client.internal.state.DeviceState;
import io.fieldsync.client.internal.state.Jdbc;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Signing a device out: what is not on the server yet, forgetting the token, deleting the device's
 * files.
 */
final class SignOut {
  /** The files of a device database besides the database itself. */
  private static final List<String> COMPANIONS =
      List.of("-wal", "-shm", "-journal", "-fieldsync.lock");

  private final DeviceFile database;

  SignOut(DeviceFile database) {
    this.database = database;
  }

  /**
   * Refuses, changing nothing, when the database holds edits the server does not have: log rows, a
   * batch sent but not acknowledged, refused changes.
   *
   * @throws IllegalStateException naming the counts and the ways out
   */
  void requireNothingUnpushed() {
    long[] counts =
        read(
            jdbc ->
                new long[] {
                  jdbc.count("_fs_changelog"),
                  jdbc.count("_fs_inflight") + jdbc.count("_fs_answered"),
                  jdbc.count("_fs_rejected")
                });
    if (counts[0] + counts[1] + counts[2] == 0) {
      return;
    }
    throw new IllegalStateException(
        database
            + " holds "
            + counts[0]
            + " captured change(s) not pushed yet, "
            + counts[1]
            + " push batch(es) not acknowledged and "
            + counts[2]
            + " rejected change(s); sync (and retry or discard the rejected ones) first, or call"
            + " signOut(true, true) to delete them with the device's data");
  }

  /** Removes the stored token. */
  void forgetToken() {
    try (Connection c = DeviceDatabase.connect(database, false)) {
      new DeviceState(c).forgetToken();
    } catch (SQLException e) {
      throw DeviceDatabase.storage(e);
    }
  }

  /** Deletes the database and its companion files; the client is closed. */
  void deleteFiles() {
    try {
      Files.deleteIfExists(database.path());
      for (String suffix : COMPANIONS) {
        Files.deleteIfExists(
            database.path().resolveSibling(database.path().getFileName() + suffix));
      }
    } catch (IOException e) {
      throw new StorageException("cannot delete the device database " + database + ": " + e, e);
    }
  }

  private interface Query<T> {
    T run(Jdbc jdbc) throws SQLException;
  }

  private <T> T read(Query<T> query) {
    try (Connection c = DeviceDatabase.connect(database, false)) {
      return query.run(new Jdbc(c));
    } catch (SQLException e) {
      throw DeviceDatabase.storage(e);
    }
  }
}
