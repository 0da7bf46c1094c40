package io.fieldsync.server.push;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.Table;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.wire.FieldVersion;
import io.fieldsync.wire.RecordVersions;
import io.fieldsync.wire.Values;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** A record's state while its batch is decided: loaded once, changed in place, saved once. */
final class WorkingRecord {
  private static final int FIELDS = RecordVersions.FIELDS_FIELD_NUMBER;
  private static final int ROW = RecordVersions.ROW_FIELD_NUMBER;
  private static final int CREATED = RecordVersions.CREATED_FIELD_NUMBER;

  /** The field numbers of a map entry's key and value (protobuf's map encoding). */
  private static final int ENTRY_KEY = 1;

  private static final int ENTRY_VALUE = 2;

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
    }
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

  /**
   * The field versions and row version as a {@link RecordVersions} message encodes them (the same
   * bytes as its {@code toByteArray()}), written directly instead of building a map message for
   * every saved record.
   */
  byte[] encodedVersions() {
    int size = 0;
    for (Map.Entry<String, FieldVersion> entry : fieldVersions.entrySet()) {
      int length = entryLength(entry.getKey(), entry.getValue());
      size += 1 + CodedOutputStream.computeUInt32SizeNoTag(length) + length;
    }
    if (row != null) {
      size += CodedOutputStream.computeMessageSize(ROW, row);
    }
    if (created != 0) {
      size += CodedOutputStream.computeInt64Size(CREATED, created);
    }
    byte[] bytes = new byte[size];
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    try {
      for (Map.Entry<String, FieldVersion> entry : fieldVersions.entrySet()) {
        out.writeTag(FIELDS, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        out.writeUInt32NoTag(entryLength(entry.getKey(), entry.getValue()));
        out.writeString(ENTRY_KEY, entry.getKey());
        out.writeMessage(ENTRY_VALUE, entry.getValue());
      }
      if (row != null) {
        out.writeMessage(ROW, row);
      }
      if (created != 0) {
        out.writeInt64(CREATED, created);
      }
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("encoding field versions into an array of their size", e);
    }
    return bytes;
  }

  /** The length of one map entry: its key and its value, both always written. */
  private static int entryLength(String column, FieldVersion version) {
    return CodedOutputStream.computeStringSize(ENTRY_KEY, column)
        + CodedOutputStream.computeMessageSize(ENTRY_VALUE, version);
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
