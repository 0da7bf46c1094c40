package io.fieldsync.wire;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How a store keeps a record's field versions: as a {@link CompactRecordVersions}, each distinct
 * version once and the fields naming theirs by index. A record written by one change then names its
 * device, sequence and stamp once instead of once per field (≈120 instead of ≈400 bytes for a
 * record of the survey). Stores written before hold {@link RecordVersions} bytes; {@link #decode}
 * and {@link VersionScan} read both, told apart by the first byte.
 */
public final class VersionsEncoding {
  /** The first byte of every non-empty compact encoding: the tag of {@code devices}. */
  static final byte COMPACT = (byte) 0x1A;

  static final int DEVICES = CompactRecordVersions.DEVICES_FIELD_NUMBER;
  static final int SEQS = CompactRecordVersions.SEQS_FIELD_NUMBER;
  static final int HLCS = CompactRecordVersions.HLCS_FIELD_NUMBER;
  static final int VERSION_DEVICES = CompactRecordVersions.VERSION_DEVICES_FIELD_NUMBER;
  static final int COLUMNS = CompactRecordVersions.COLUMNS_FIELD_NUMBER;
  static final int COLUMN_VERSIONS = CompactRecordVersions.COLUMN_VERSIONS_FIELD_NUMBER;
  static final int ROW = CompactRecordVersions.ROW_FIELD_NUMBER;
  static final int CREATED = CompactRecordVersions.CREATED_FIELD_NUMBER;
  static final int SCOPE = CompactRecordVersions.SCOPE_FIELD_NUMBER;
  static final int SCOPE_SEQ = CompactRecordVersions.SCOPE_SEQ_FIELD_NUMBER;

  private VersionsEncoding() {}

  /** Whether {@code encoded} is in the compact form (an empty array is in both). */
  static boolean isCompact(byte[] encoded) {
    return encoded.length > 0 && encoded[0] == COMPACT;
  }

  /** The compact encoding of {@code versions}. */
  public static byte[] encode(RecordVersions versions) {
    return encode(
        versions.getFieldsMap(),
        versions.hasRow() ? versions.getRow() : null,
        versions.getCreated(),
        versions.hasScope() ? versions.getScope() : null,
        versions.getScopeSeq());
  }

  /** {@link #encode(Map, FieldVersion, long, String, long)} without an inherited scope. */
  public static byte[] encode(Map<String, FieldVersion> fields, FieldVersion row, long created) {
    return encode(fields, row, created, null, 0);
  }

  /**
   * The compact encoding of the field versions {@code fields} (column to version, in the order
   * given), the row version {@code row} (null for none) and the sequence the record was first
   * created at ({@code created}, 0 when unknown), and for a table scoped through a parent the scope
   * value it inherits ({@code scope}, null for none) and the sequence that set it ({@code
   * scopeSeq}, 0 for never).
   */
  public static byte[] encode(
      Map<String, FieldVersion> fields,
      FieldVersion row,
      long created,
      String scope,
      long scopeSeq) {
    if (fields.isEmpty() && row == null) {
      // Nothing to index: the message form, which keeps the other numbers as they are.
      RecordVersions.Builder message =
          RecordVersions.newBuilder().setCreated(created).setScopeSeq(scopeSeq);
      if (scope != null) {
        message.setScope(scope);
      }
      return message.build().toByteArray();
    }
    List<FieldVersion> versions = new ArrayList<>(2);
    List<String> devices = new ArrayList<>(1);
    int[] columnVersions = new int[fields.size()];
    int field = 0;
    for (FieldVersion version : fields.values()) {
      columnVersions[field++] = indexOf(versions, devices, version);
    }
    int rowIndex = row == null ? 0 : indexOf(versions, devices, row) + 1;
    int[] versionDevices = new int[versions.size()];
    for (int i = 0; i < versionDevices.length; i++) {
      versionDevices[i] = devices.indexOf(versions.get(i).getDevice());
    }

    int seqsLength = 0;
    int hlcsLength = 0;
    int versionDevicesLength = 0;
    for (int i = 0; i < versionDevices.length; i++) {
      seqsLength += CodedOutputStream.computeInt64SizeNoTag(versions.get(i).getSeq());
      hlcsLength += CodedOutputStream.computeInt64SizeNoTag(versions.get(i).getHlc());
      versionDevicesLength += CodedOutputStream.computeUInt32SizeNoTag(versionDevices[i]);
    }
    int columnVersionsLength = 0;
    for (int index : columnVersions) {
      columnVersionsLength += CodedOutputStream.computeUInt32SizeNoTag(index);
    }
    int size = 0;
    for (String device : devices) {
      size += 1 + CodedOutputStream.computeStringSizeNoTag(device);
    }
    size += packedSize(seqsLength) + packedSize(hlcsLength) + packedSize(versionDevicesLength);
    for (String column : fields.keySet()) {
      size += 1 + CodedOutputStream.computeStringSizeNoTag(column);
    }
    size += packedSize(columnVersionsLength);
    if (rowIndex != 0) {
      size += CodedOutputStream.computeUInt32Size(ROW, rowIndex);
    }
    if (created != 0) {
      size += CodedOutputStream.computeInt64Size(CREATED, created);
    }
    if (scope != null) {
      size += CodedOutputStream.computeStringSize(SCOPE, scope);
    }
    if (scopeSeq != 0) {
      size += CodedOutputStream.computeInt64Size(SCOPE_SEQ, scopeSeq);
    }

    byte[] bytes = new byte[size];
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    try {
      for (String device : devices) {
        out.writeString(DEVICES, device);
      }
      out.writeUInt32NoTag(SEQS << 3 | 2);
      out.writeUInt32NoTag(seqsLength);
      for (FieldVersion version : versions) {
        out.writeInt64NoTag(version.getSeq());
      }
      out.writeUInt32NoTag(HLCS << 3 | 2);
      out.writeUInt32NoTag(hlcsLength);
      for (FieldVersion version : versions) {
        out.writeInt64NoTag(version.getHlc());
      }
      out.writeUInt32NoTag(VERSION_DEVICES << 3 | 2);
      out.writeUInt32NoTag(versionDevicesLength);
      for (int index : versionDevices) {
        out.writeUInt32NoTag(index);
      }
      for (String column : fields.keySet()) {
        out.writeString(COLUMNS, column);
      }
      if (columnVersions.length > 0) {
        out.writeUInt32NoTag(COLUMN_VERSIONS << 3 | 2);
        out.writeUInt32NoTag(columnVersionsLength);
        for (int index : columnVersions) {
          out.writeUInt32NoTag(index);
        }
      }
      if (rowIndex != 0) {
        out.writeUInt32(ROW, rowIndex);
      }
      if (created != 0) {
        out.writeInt64(CREATED, created);
      }
      if (scope != null) {
        out.writeString(SCOPE, scope);
      }
      if (scopeSeq != 0) {
        out.writeInt64(SCOPE_SEQ, scopeSeq);
      }
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("encoding field versions into an array of their size", e);
    }
    return bytes;
  }

  /** A packed field's size: tag, length and content; nothing when empty. */
  private static int packedSize(int contentLength) {
    return contentLength == 0
        ? 0
        : 1 + CodedOutputStream.computeUInt32SizeNoTag(contentLength) + contentLength;
  }

  private static int indexOf(List<FieldVersion> versions, List<String> devices, FieldVersion v) {
    for (int i = 0; i < versions.size(); i++) {
      FieldVersion known = versions.get(i);
      if (known == v
          || (known.getSeq() == v.getSeq()
              && known.getHlc() == v.getHlc()
              && known.getDevice().equals(v.getDevice()))) {
        return i;
      }
    }
    versions.add(v);
    if (!devices.contains(v.getDevice())) {
      devices.add(v.getDevice());
    }
    return versions.size() - 1;
  }

  /**
   * Reads versions a store kept, in either encoding.
   *
   * @throws InvalidProtocolBufferException naming what is malformed
   */
  public static RecordVersions decode(byte[] encoded) throws InvalidProtocolBufferException {
    if (!isCompact(encoded)) {
      return RecordVersions.parseFrom(encoded);
    }
    CompactRecordVersions compact = CompactRecordVersions.parseFrom(encoded);
    int count = compact.getSeqsCount();
    if (compact.getHlcsCount() != count || compact.getVersionDevicesCount() != count) {
      throw new InvalidProtocolBufferException(
          "the compact field versions list "
              + count
              + " sequences, "
              + compact.getHlcsCount()
              + " stamps and "
              + compact.getVersionDevicesCount()
              + " devices");
    }
    if (compact.getColumnsCount() != compact.getColumnVersionsCount()) {
      throw new InvalidProtocolBufferException(
          "the compact field versions list "
              + compact.getColumnsCount()
              + " columns but "
              + compact.getColumnVersionsCount()
              + " version indexes");
    }
    FieldVersion[] versions = new FieldVersion[count];
    for (int i = 0; i < count; i++) {
      int device = compact.getVersionDevices(i);
      requireIndex(device, compact.getDevicesCount(), "device");
      versions[i] =
          FieldVersion.newBuilder()
              .setSeq(compact.getSeqs(i))
              .setHlc(compact.getHlcs(i))
              .setDevice(compact.getDevices(device))
              .build();
    }
    RecordVersions.Builder builder = RecordVersions.newBuilder();
    for (int i = 0; i < compact.getColumnsCount(); i++) {
      int version = compact.getColumnVersions(i);
      requireIndex(version, count, "version");
      builder.putFields(compact.getColumns(i), versions[version]);
    }
    if (compact.getRow() != 0) {
      requireIndex(compact.getRow() - 1, count, "row version");
      builder.setRow(versions[compact.getRow() - 1]);
    }
    if (compact.hasScope()) {
      builder.setScope(compact.getScope());
    }
    return builder.setCreated(compact.getCreated()).setScopeSeq(compact.getScopeSeq()).build();
  }

  static void requireIndex(long index, int count, String what)
      throws InvalidProtocolBufferException {
    if (index < 0 || index >= count) {
      throw new InvalidProtocolBufferException(
          "the compact field versions name " + what + " " + index + " of " + count);
    }
  }
}
