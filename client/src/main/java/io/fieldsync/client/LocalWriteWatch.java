package io.fieldsync.client;

import io.fieldsync.client.internal.state.DeviceState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;

/**
 * How the worker notices local writes, from any writer of the file. {@code PRAGMA data_version} on
 * the worker's idle connection changes whenever another connection or process commits, and costs
 * only a read of the WAL index; only when it moves is the capture stamp read, which tells a
 * captured write apart from the library's own pulls and acknowledgements. A commit hook on the
 * library's connections fires just before its commit is visible, so after one the watch asks to be
 * polled every millisecond for a short while. Not thread-safe: the worker's thread owns it.
 */
final class LocalWriteWatch implements AutoCloseable {
  /** How long after a commit hook the worker keeps looking for the commit to show. */
  private static final Duration COMMIT_VISIBLE_WITHIN = Duration.ofMillis(10);

  private static final Duration RECHECK_EVERY = Duration.ofMillis(1);

  private final PreparedStatement dataVersion;
  private final DeviceState state;
  private long version;
  private long writeMark;
  private Instant recheckUntil;

  LocalWriteWatch(Connection watch) throws SQLException {
    this.dataVersion = watch.prepareStatement("PRAGMA data_version");
    this.state = new DeviceState(watch);
    this.version = dataVersion();
    this.writeMark = state.writeMark();
  }

  /** A commit hook fired at {@code now}: look again every millisecond for a short while. */
  void hookFired(Instant now) {
    recheckUntil = now.plus(COMMIT_VISIBLE_WITHIN);
  }

  /** Whether a captured local write committed since the last call. */
  boolean wroteSinceLastLook(Instant now) throws SQLException {
    boolean wrote = false;
    long seen = dataVersion();
    if (seen != version) {
      version = seen;
      long mark = state.writeMark();
      if (mark != writeMark) {
        writeMark = mark;
        recheckUntil = null;
        wrote = true;
      }
    }
    if (recheckUntil != null && !now.isBefore(recheckUntil)) {
      recheckUntil = null;
    }
    return wrote;
  }

  /** How long the worker may wait before looking again, given its configured write poll. */
  Duration nextLookWithin(Duration writePoll) {
    return recheckUntil != null ? RECHECK_EVERY : writePoll;
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
