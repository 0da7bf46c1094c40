package io.fieldsync.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.fieldsync.StorageException;
import io.fieldsync.wire.RecordVersions;
import io.fieldsync.wire.VersionsEncoding;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A record as the server stores it. A store may hand over the field versions still encoded (see
 * {@link #encoded}): they are parsed on first use, so a pull that only scans them (see {@link
 * io.fieldsync.wire.VersionScan}) never builds the message. Immutable; safe to share once built.
 */
public final class StoredRecord {
  private final String table;
  private final String id;
  private final long seq;
  private final boolean deleted;
  private Map<String, Object> values;

  /** The values in the order of {@link #columnNames}, when the store read them so; else null. */
  private final Object[] columnValues;

  private final String[] columnNames;
  private final byte[] encodedVersions;
  private final String source;
  private RecordVersions versions;

  /**
   * @param seq the sequence of the record's latest change
   * @param deleted true for a tombstone
   * @param values column name to canonical value, primary key included; for a tombstone, the last
   *     values before the delete
   * @param versions the version of every field that has been written; null for none
   */
  public StoredRecord(
      String table,
      String id,
      long seq,
      boolean deleted,
      Map<String, Object> values,
      RecordVersions versions) {
    this(
        table,
        id,
        seq,
        deleted,
        Collections.unmodifiableMap(new LinkedHashMap<>(values)),
        null,
        null,
        null,
        null,
        versions == null ? RecordVersions.getDefaultInstance() : versions);
  }

  private StoredRecord(
      String table,
      String id,
      long seq,
      boolean deleted,
      Map<String, Object> values,
      String[] columnNames,
      Object[] columnValues,
      byte[] encodedVersions,
      String source,
      RecordVersions versions) {
    this.table = Objects.requireNonNull(table, "table");
    this.id = Objects.requireNonNull(id, "id");
    this.seq = seq;
    this.deleted = deleted;
    this.values = values;
    this.columnNames = columnNames;
    this.columnValues = columnValues;
    this.encodedVersions = encodedVersions;
    this.source = source;
    this.versions = versions;
  }

  /**
   * A record read by a store, its versions still as {@link VersionsEncoding} keeps them. The store
   * gives up {@code values}: it must not change the map afterwards.
   *
   * @param source where the record was read, named if its versions turn out corrupt
   */
  public static StoredRecord encoded(
      String table,
      String id,
      long seq,
      boolean deleted,
      Map<String, Object> values,
      byte[] encodedVersions,
      String source) {
    return new StoredRecord(
        table,
        id,
        seq,
        deleted,
        Collections.unmodifiableMap(values),
        null,
        null,
        Objects.requireNonNull(encodedVersions, "encodedVersions"),
        source,
        null);
  }

  /**
   * A live record read by a store column by column: {@code values[i]} is the canonical value of
   * column {@code names[i]}, every column of the table (primary key included) in the order of its
   * {@code columns()}. A pull takes the values by position ({@link #columnValues}); the map of
   * {@link #values} is built only when asked for. The store gives up {@code values}: it must not
   * change the array afterwards; {@code names} is shared by every record of the table.
   *
   * @param source where the record was read, named if its versions turn out corrupt
   */
  public static StoredRecord columns(
      String table,
      String id,
      long seq,
      String[] names,
      Object[] values,
      byte[] encodedVersions,
      String source) {
    if (names.length != values.length) {
      throw new IllegalArgumentException(
          names.length + " column names for " + values.length + " values");
    }
    return new StoredRecord(
        table,
        id,
        seq,
        false,
        null,
        names,
        values,
        Objects.requireNonNull(encodedVersions, "encodedVersions"),
        source,
        null);
  }

  public String table() {
    return table;
  }

  public String id() {
    return id;
  }

  /** The sequence of the record's latest change. */
  public long seq() {
    return seq;
  }

  /** True for a tombstone. */
  public boolean deleted() {
    return deleted;
  }

  /** Column name to canonical value, primary key included; a tombstone's last values. */
  public Map<String, Object> values() {
    Map<String, Object> map = values;
    if (map == null) {
      Map<String, Object> built = new LinkedHashMap<>();
      for (int i = 0; i < columnNames.length; i++) {
        built.put(columnNames[i], columnValues[i]);
      }
      // Racy but benign, as for the versions: every thread builds an equal immutable map.
      map = Collections.unmodifiableMap(built);
      values = map;
    }
    return map;
  }

  /**
   * The values in the order of the table's columns, as {@link #columns} took them; null for a
   * record made otherwise (read its {@link #values} then). Callers must not change the array.
   */
  public Object[] columnValues() {
    return columnValues;
  }

  /** The column names of {@link #columnValues}, or null. */
  public String[] columnNames() {
    return columnNames;
  }

  /**
   * The version of every field that has been written.
   *
   * @throws StorageException when the stored encoding is corrupt
   */
  public RecordVersions versions() {
    RecordVersions parsed = versions;
    if (parsed == null) {
      try {
        parsed = VersionsEncoding.decode(encodedVersions);
      } catch (InvalidProtocolBufferException e) {
        throw corrupt(e.getMessage(), e);
      }
      // Racy but benign: every thread parses the same bytes into an equal immutable message.
      versions = parsed;
    }
    return parsed;
  }

  /**
   * The versions as the store encoded them (see {@link VersionsEncoding}), or null when they were
   * given as a message.
   */
  public byte[] encodedVersions() {
    return encodedVersions;
  }

  /** The failure for versions that do not parse, naming the record and where it was read. */
  public StorageException corrupt(String why, Throwable cause) {
    return new StorageException(
        "corrupt field versions of "
            + table
            + " record '"
            + id
            + "'"
            + (source == null ? "" : " in " + source)
            + ": "
            + why,
        cause);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof StoredRecord that
        && seq == that.seq
        && deleted == that.deleted
        && table.equals(that.table)
        && id.equals(that.id)
        && values().equals(that.values())
        && versions().equals(that.versions());
  }

  @Override
  public int hashCode() {
    return Objects.hash(table, id, seq, deleted, values(), versions());
  }

  @Override
  public String toString() {
    return "StoredRecord[table="
        + table
        + ", id="
        + id
        + ", seq="
        + seq
        + ", deleted="
        + deleted
        + ", values="
        + values()
        + ", versions="
        + versions()
        + "]";
  }
}
