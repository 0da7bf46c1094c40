package io.fieldsync.server.pull;

import com.google.protobuf.InvalidProtocolBufferException;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.Table;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.wire.VersionScan;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * What of a stored record a pull sends: its fields changed after {@code since}, or all, less those
 * the device wrote itself. Holds the table's version scan for every record of one pull. Not
 * thread-safe: one per pull.
 */
final class Selection {
  /** By identity: a table's own hash code would hash all its columns, once per record. */
  private final Map<Table, TableScan> scans = new IdentityHashMap<>();

  /**
   * A table's columns and its version scan; {@code positional} is the last column-name array of a
   * record (see {@link StoredRecord#columnNames}) found to list exactly these columns in this
   * order.
   */
  private static final class TableScan {
    final Column[] columns;
    final VersionScan versions;
    String[] positional;

    TableScan(Column[] columns, VersionScan versions) {
      this.columns = columns;
      this.versions = versions;
    }

    /** Whether {@code names} are this table's columns in order, so values go by position. */
    boolean inOrder(String[] names) {
      if (names == positional) {
        return true;
      }
      if (names.length != columns.length) {
        return false;
      }
      for (int i = 0; i < names.length; i++) {
        if (!names[i].equals(columns[i].name())) {
          return false;
        }
      }
      positional = names;
      return true;
    }
  }

  /**
   * The record as a pull sends it to a device that holds it as of sequence {@code since}; null when
   * the device holds all of it: it wrote what changed itself, or nothing changed (a record whose
   * sequence moved only because the scope it inherits from a parent did).
   */
  Outgoing select(Table table, StoredRecord stored, long since, Echo echo) {
    if (stored.deleted()) {
      return Outgoing.tombstone(table, stored);
    }
    TableScan scan = scans.computeIfAbsent(table, Selection::scanOf);
    VersionScan versions = scan.versions;
    byte[] encoded = stored.encodedVersions();
    if (encoded == null) {
      versions.scan(stored.versions());
    } else {
      try {
        versions.scan(encoded);
      } catch (InvalidProtocolBufferException e) {
        throw stored.corrupt(e.getMessage(), e);
      }
    }
    boolean whole = (!versions.hasRow() || versions.rowSeq() > since) && !echo.created(versions);
    boolean held = false;
    Column[] columns = scan.columns;
    Object[] row = stored.columnValues();
    Map<String, Object> values =
        row != null && scan.inOrder(stored.columnNames()) ? null : stored.values();
    int[] sent = new int[columns.length];
    long[] hlcs = new long[columns.length];
    Object[] sentValues = new Object[columns.length];
    int count = 0;
    for (int i = 0; i < columns.length; i++) {
      boolean versioned = versions.has(i);
      if (!whole && !(versioned && versions.seq(i) > since)) {
        continue;
      }
      if (!whole && echo.own(versions.device(i), versions.seq(i))) {
        held = true;
        continue;
      }
      Object value;
      if (values == null) {
        value = row[i];
      } else {
        String name = columns[i].name();
        value = values.get(name);
        if (value == null && !values.containsKey(name)) {
          continue;
        }
      }
      sent[count] = i;
      hlcs[count] = versioned ? versions.hlc(i) : 0;
      sentValues[count] = value;
      count++;
    }
    // A record sent whole always carries its key, so no count is ever 0 for one.
    return count == 0
        ? null
        : new Outgoing(table, stored, false, columns, sent, hlcs, sentValues, count);
  }

  private static TableScan scanOf(Table table) {
    Column[] columns = table.columns().values().toArray(new Column[0]);
    List<String> names = new ArrayList<>(columns.length);
    for (Column column : columns) {
      names.add(column.name());
    }
    return new TableScan(columns, new VersionScan(names));
  }
}
