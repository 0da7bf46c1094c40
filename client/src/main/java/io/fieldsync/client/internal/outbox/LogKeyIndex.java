package io.fieldsync.client.internal.outbox;

import io.fieldsync.client.internal.outbox.Outbox.RecordKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where each record's rows are in the log, kept across the acknowledgements of one push. Each
 * acknowledgement asks which of its records still have rows after the batch; asking the log scanned
 * all of the rest every time (the log has no index by record), so a large push cost the square of
 * its size. The index reads the whole log once, then only rows added since.
 *
 * <p>New rows take ids above the log's highest, so rows the index has not read can only sit below
 * its last read row if that row left the log at some point. The index therefore keeps that row's id
 * and capture stamp (stamps only increase, so a row written again at that id has a newer one) and
 * reads the whole log again when the row is no longer there as it was. Rows deleted by others need
 * no check: {@link Outbox.PendingLog#forRecord} reads only rows that are present.
 *
 * <p>Rows read at the first scan are held as a 64-bit hash of their record's key and their id (16
 * bytes a row); the answer for a record may therefore name a row of another record whose key has
 * the same hash, which {@link Outbox.PendingLog#forRecord} leaves out when it reads the rows.
 */
final class LogKeyIndex {
  /** The ids of the rows read at the full scan, in log order, and their keys' hashes. */
  private long[] ids = new long[0];

  private long[] hashes = new long[0];

  /** A hash table over those rows: the first row of each bucket, then each row's next. */
  private int[] buckets = new int[0];

  private int[] next = new int[0];

  /** Rows added after the full scan, by record. */
  private final Map<RecordKey, List<Long>> recent = new HashMap<>();

  /** The highest log id read so far; -1 before the first scan. */
  private long readTo = -1;

  /** The capture stamp of row {@code readTo}; none when that row is not in the log. */
  private long readToStamp = NONE;

  private static final long NONE = Long.MIN_VALUE;

  /**
   * The rows after log id {@code end} of the records in {@code among}, once the rows up to {@code
   * end} are deleted, in the caller's transaction.
   */
  Outbox.PendingLog pendingAfter(Connection c, long end, Set<RecordKey> among) throws SQLException {
    if (among.isEmpty()) {
      return Outbox.PendingLog.NONE;
    }
    if (readTo < 0 || (end < readTo && !lastReadRowUnchanged(c))) {
      readAll(c);
    } else {
      if (end >= readTo) {
        // Every row read is acknowledged: the rows in the log are all after end.
        forgetAll(end);
      }
      readAdded(c);
    }
    Map<RecordKey, List<Long>> found = new HashMap<>();
    for (RecordKey key : among) {
      List<Long> rows = new ArrayList<>(1);
      long hash = hash(key);
      if (buckets.length > 0) {
        for (int row = buckets[bucket(hash)]; row >= 0; row = next[row]) {
          if (hashes[row] == hash && ids[row] > end) {
            rows.add(ids[row]);
          }
        }
      }
      for (long id : recent.getOrDefault(key, List.of())) {
        if (id > end) {
          rows.add(id);
        }
      }
      if (!rows.isEmpty()) {
        rows.sort(null);
        found.put(key, rows);
      }
    }
    return found.isEmpty() ? Outbox.PendingLog.NONE : new Outbox.PendingLog(found);
  }

  /** Whether the last row read is still in the log, as it was read. */
  private boolean lastReadRowUnchanged(Connection c) throws SQLException {
    if (readToStamp == NONE) {
      return false;
    }
    try (PreparedStatement select =
        c.prepareStatement("SELECT hlc FROM _fs_changelog WHERE id = ?")) {
      select.setLong(1, readTo);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next() && rows.getLong(1) == readToStamp;
      }
    }
  }

  private void forgetAll(long end) {
    ids = new long[0];
    hashes = new long[0];
    buckets = new int[0];
    next = new int[0];
    recent.clear();
    readTo = end;
    readToStamp = NONE;
  }

  private void readAll(Connection c) throws SQLException {
    recent.clear();
    int size = 0;
    long[] rowHashes = new long[1024];
    long[] rowIds = new long[1024];
    long last = 0;
    long lastStamp = NONE;
    try (PreparedStatement select =
            c.prepareStatement("SELECT id, tbl, rid, hlc FROM _fs_changelog ORDER BY id");
        ResultSet rows = select.executeQuery()) {
      while (rows.next()) {
        if (size == rowIds.length) {
          rowIds = Arrays.copyOf(rowIds, size * 2);
          rowHashes = Arrays.copyOf(rowHashes, size * 2);
        }
        last = rows.getLong(1);
        lastStamp = rows.getLong(4);
        rowIds[size] = last;
        rowHashes[size] = hash(rows.getString(2), rows.getString(3));
        size++;
      }
    }
    ids = Arrays.copyOf(rowIds, size);
    hashes = Arrays.copyOf(rowHashes, size);
    buckets = new int[Integer.highestOneBit(Math.max(size, 1) * 2 - 1) * 2];
    Arrays.fill(buckets, -1);
    next = new int[size];
    for (int row = 0; row < size; row++) {
      int bucket = bucket(hashes[row]);
      next[row] = buckets[bucket];
      buckets[bucket] = row;
    }
    readTo = last;
    readToStamp = lastStamp;
  }

  private void readAdded(Connection c) throws SQLException {
    try (PreparedStatement select =
        c.prepareStatement(
            "SELECT id, tbl, rid, hlc FROM _fs_changelog WHERE id > ? ORDER BY id")) {
      select.setLong(1, readTo);
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          long id = rows.getLong(1);
          recent
              .computeIfAbsent(
                  new RecordKey(rows.getString(2), rows.getString(3)), k -> new ArrayList<>())
              .add(id);
          readTo = id;
          readToStamp = rows.getLong(4);
        }
      }
    }
  }

  private int bucket(long hash) {
    return (int) (hash ^ (hash >>> 32)) & (buckets.length - 1);
  }

  private static long hash(RecordKey key) {
    return hash(key.table(), key.rid());
  }

  /** FNV-1a over the table's characters, a separator and the id's (a NULL id hashes apart). */
  private static long hash(String table, String rid) {
    long hash = 0xcbf29ce484222325L;
    for (int i = 0; i < table.length(); i++) {
      hash = (hash ^ table.charAt(i)) * 0x100000001b3L;
    }
    hash = (hash ^ (rid == null ? 0x1_0000 : 0x1_0001)) * 0x100000001b3L;
    if (rid != null) {
      for (int i = 0; i < rid.length(); i++) {
        hash = (hash ^ rid.charAt(i)) * 0x100000001b3L;
      }
    }
    return hash ^ (hash >>> 29);
  }
}
