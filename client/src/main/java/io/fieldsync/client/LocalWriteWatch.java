package io.fieldsync.client;

import io.fieldsync.client.internal.state.DeviceState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

/**
 * How the worker notices local writes, from any writer of the file. {@code PRAGMA data_version} on
 * the worker's idle connection changes whenever another connection or process commits, and costs
 * only a read of the WAL index; only when it moves is the capture stamp read, which tells a
 * captured write apart from the library's own pulls and acknowledgements. A commit hook on the
 * library's connections fires just before its commit is visible, so after one the watch asks to be
 * polled often until the commit shows ({@link CommitRecheck}). Not thread-safe: the worker's thread
 * owns it.
 */
final class LocalWriteWatch implements AutoCloseable {
  private final PreparedStatement dataVersion;
  private final DeviceState state;
  private long version;
  private long writeMark;
  private final CommitRecheck recheck = new CommitRecheck();

  LocalWriteWatch(Connection watch) throws SQLException {
    this.dataVersion = watch.prepareStatement("PRAGMA data_version");
    this.state = new DeviceState(watch);
    this.version = dataVersion();
    this.writeMark = state.writeMark();
  }

  /** A commit hook fired at {@code nanos} ({@link System#nanoTime()}): look again soon. */
  void hookFired(long nanos) {
    recheck.hookFired(nanos);
  }

  /** Whether a captured local write committed since the last call. */
  boolean wroteSinceLastLook() throws SQLException {
    boolean wrote = false;
    long seen = dataVersion();
    if (seen != version) {
      version = seen;
      long mark = state.writeMark();
      if (mark != writeMark) {
        writeMark = mark;
        recheck.seen();
        wrote = true;
      }
    }
    return wrote;
  }

  /** How long the worker may wait at {@code nanos} before looking again, given its write poll. */
  Duration nextLookWithin(long nanos, Duration writePoll) {
    return Duration.ofNanos(recheck.nextLookWithin(nanos, writePoll.toNanos()));
  }

  private long dataVersion() throws SQLException {
    try (ResultSet row = dataVersion.executeQuery()) {
      row.next();
      return row.getLong(1);
    }
  }

  @Override
  public void close() throws SQLException {
    dataVersion.close();
  }
}
