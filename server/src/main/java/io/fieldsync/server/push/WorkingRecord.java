package io.fieldsync.server.push;

import io.fieldsync.schema.Column;
import io.fieldsync.schema.Table;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.wire.FieldVersion;
import io.fieldsync.wire.RecordVersions;
import io.fieldsync.wire.Values;
import io.fieldsync.wire.VersionsEncoding;
import java.util.LinkedHashMap;
import java.util.Map;

/** A record's state while its batch is decided: loaded once, changed in place, saved once. */
final class WorkingRecord {
  final Table table;
  final String id;
  boolean exists;
  boolean deleted;
  long seq;
  final Map<String, Object> values = new LinkedHashMap<>();

  /** The record's row version and field versions: plain fields, built into a message once. */
  FieldVersion row;

  final Map<String, FieldVersion> fieldVersions = new LinkedHashMap<>();

  /** The sequence of the record's first creation, 0 when unknown. */
  long created;

  /** The sequence this batch gave the record, or 0. */
  long newSeq;

  /** The version this batch wrote last, reused by the next field with the same stamp. */
  FieldVersion lastVersion;

  /**
   * Of a table scoped through a parent: the scope value it inherits (null for none) and the
   * sequence that set it (0 for never), see {@link ScopeInheritance}.
   */
  String inheritedScope;

  long scopeSeq;

  /** Whether the store held the record live or as a tombstone when the batch loaded it. */
  boolean stored;

  /** The record's scope value when the batch loaded it (see {@link ScopeInheritance#scopeOf}). */
  String loadedScope;

  WorkingRecord(Table table, String id, StoredRecord stored) {
    this.table = table;
    this.id = id;
    if (stored != null) {
      exists = true;
      deleted = stored.deleted();
      seq = stored.seq();
      values.putAll(stored.values());
      RecordVersions versions = stored.versions();
      row = versions.hasRow() ? versions.getRow() : null;
      fieldVersions.putAll(versions.getFieldsMap());
      created = versions.getCreated();
      inheritedScope = versions.hasScope() ? versions.getScope() : null;
      scopeSeq = versions.getScopeSeq();
    }
    this.stored = stored != null;
    this.loadedScope = stored == null ? null : ScopeInheritance.scopeOf(this);
  }

  /** Whether something other than {@code device} changed the record after {@code baseSeq}. */
  boolean changedByOthersAfter(long baseSeq, String device) {
    if (row != null && concurrent(row, baseSeq, device)) {
      return true;
    }
    for (FieldVersion version : fieldVersions.values()) {
      if (concurrent(version, baseSeq, device)) {
        return true;
      }
    }
    return false;
  }

  private static boolean concurrent(FieldVersion version, long baseSeq, String device) {
    return version.getSeq() > baseSeq && !version.getDevice().equals(device);
  }

  /** The field versions and row version as the store keeps them (see {@link VersionsEncoding}). */
  byte[] encodedVersions() {
    return VersionsEncoding.encode(fieldVersions, row, created, inheritedScope, scopeSeq);
  }

  /** The record as the server holds it, for a change result. */
  io.fieldsync.wire.Record toWire() {
    WorkingRecord record = this;
    io.fieldsync.wire.Record.Builder builder =
        io.fieldsync.wire.Record.newBuilder()
            .setTable(record.table.name())
            .setRecordId(record.id)
            .setSeq(record.seq);
    if (!record.exists) {
      return builder.setAbsent(true).build();
    }
    if (record.deleted) {
      return builder.setDeleted(true).build();
    }
    for (Column column : record.table.columns().values()) {
      FieldVersion version = record.fieldVersions.get(column.name());
      builder.addFields(
          io.fieldsync.wire.Field.newBuilder()
              .setColumn(column.name())
              .setValue(Values.toWire(record.values.get(column.name())))
              .setHlc(version == null ? 0 : version.getHlc()));
    }
    return builder.build();
  }

  /** A record the device may not see, as it sees it: absent. */
  io.fieldsync.wire.Record absent() {
    WorkingRecord record = this;
    return io.fieldsync.wire.Record.newBuilder()
        .setTable(record.table.name())
        .setRecordId(record.id)
        .setAbsent(true)
        .build();
  }
}
