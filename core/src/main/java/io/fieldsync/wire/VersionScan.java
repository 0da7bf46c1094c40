package io.fieldsync.wire;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.codehaus.mojo.animal_sniffer.IgnoreJRERequirement;

/**
 * Reads an encoded {@link RecordVersions} into arrays indexed by a table's columns, without
 * building the message: a pull reads the versions of every record it sends, and parsing them into a
 * map of messages was a fifth of a snapshot page. Versions of names that are not among the columns
 * are skipped; a repeated name keeps its last version, as the map does.
 *
 * <p>Not thread-safe: one scan at a time; each {@link #scan} replaces the previous one.
 */
// Read by the server's pulls only, never on a device: it may use what Android lacks.
@IgnoreJRERequirement
public final class VersionScan {
  private static final int ENTRY = tag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int ROW = tag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int KEY = tag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int VALUE = tag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int SEQ = tag(1, WireFormat.WIRETYPE_VARINT);
  private static final int HLC = tag(2, WireFormat.WIRETYPE_VARINT);
  private static final int DEVICE = tag(3, WireFormat.WIRETYPE_LENGTH_DELIMITED);

  private static int tag(int field, int wireType) {
    return (field << 3) | wireType;
  }

  /** The row version's slot, after the columns'. */
  private final int row;

  private final byte[][] names;
  private final boolean[] present;
  private final long[] seqs;
  private final long[] hlcs;
  private final String[] devices;
  // Almost every version of a record, and of a page, names the same few devices.
  private final byte[][] knownDeviceBytes = new byte[4][];
  private final String[] knownDevices = new String[4];
  private int nextKnown;

  // The compact encoding's lists, reused from scan to scan.
  private final List<String> compactDevices = new ArrayList<>();
  private final Varints compactSeqs = new Varints();
  private final Varints compactHlcs = new Varints();
  private final Varints compactVersionDevices = new Varints();
  private final Varints compactColumns = new Varints();
  private final Varints compactColumnVersions = new Varints();

  private byte[] bytes;
  private int lastColumn;
  private long fieldSeq;
  private long fieldHlc;
  private String fieldDevice;

  public VersionScan(List<String> columns) {
    row = columns.size();
    names = new byte[row][];
    for (int i = 0; i < row; i++) {
      names[i] = columns.get(i).getBytes(StandardCharsets.UTF_8);
    }
    present = new boolean[row + 1];
    seqs = new long[row + 1];
    hlcs = new long[row + 1];
    devices = new String[row + 1];
  }

  /**
   * Reads {@code encoded}, a record's versions as {@link VersionsEncoding} keeps them (either
   * encoding).
   *
   * @throws InvalidProtocolBufferException naming what is malformed
   */
  public void scan(byte[] encoded) throws InvalidProtocolBufferException {
    Arrays.fill(present, false);
    lastColumn = -1;
    bytes = encoded;
    CodedInputStream in = CodedInputStream.newInstance(encoded);
    try {
      if (VersionsEncoding.isCompact(encoded)) {
        scanCompact(in);
        return;
      }
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == ENTRY) {
          int limit = in.pushLimit(in.readRawVarint32());
          readEntry(in);
          in.popLimit(limit);
        } else if (tag == ROW) {
          int limit = in.pushLimit(in.readRawVarint32());
          // A repeated row version merges into the one before, as parsing the message does.
          fieldSeq = present[row] ? seqs[row] : 0;
          fieldHlc = present[row] ? hlcs[row] : 0;
          fieldDevice = present[row] ? devices[row] : "";
          readVersion(in);
          in.popLimit(limit);
          record(row);
        } else if (!in.skipField(tag)) {
          break;
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e);
    } finally {
      bytes = null;
    }
  }

  /** Reads the message form, for records that were not read from a store. */
  public void scan(RecordVersions versions) {
    try {
      scan(versions.toByteArray());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a built RecordVersions must read back", e);
    }
  }

  /** Whether column {@code column} (an index into the constructor's list) has a version. */
  public boolean has(int column) {
    return present[column];
  }

  public long seq(int column) {
    return seqs[column];
  }

  public long hlc(int column) {
    return hlcs[column];
  }

  public String device(int column) {
    return devices[column];
  }

  /** Whether the record has a row version (its creation, delete or restore). */
  public boolean hasRow() {
    return present[row];
  }

  public long rowSeq() {
    return seqs[row];
  }

  public String rowDevice() {
    return devices[row];
  }

  /** How many columns the scan was built for. */
  public int columns() {
    return row;
  }

  /** Reads a {@link CompactRecordVersions}: its lists first, then each field's version. */
  private void scanCompact(CodedInputStream in) throws IOException {
    compactDevices.clear();
    compactSeqs.clear();
    compactHlcs.clear();
    compactVersionDevices.clear();
    compactColumns.clear();
    compactColumnVersions.clear();
    long rowIndex = 0;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      int field = WireFormat.getTagFieldNumber(tag);
      boolean delimited = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
      if (field == VersionsEncoding.DEVICES && delimited) {
        int length = in.readRawVarint32();
        compactDevices.add(device(in.getTotalBytesRead(), length));
        in.skipRawBytes(length);
      } else if (field == VersionsEncoding.COLUMNS && delimited) {
        int length = in.readRawVarint32();
        compactColumns.add(column(in.getTotalBytesRead(), length));
        in.skipRawBytes(length);
      } else if (field == VersionsEncoding.SEQS) {
        compactSeqs.read(in, delimited);
      } else if (field == VersionsEncoding.HLCS) {
        compactHlcs.read(in, delimited);
      } else if (field == VersionsEncoding.VERSION_DEVICES) {
        compactVersionDevices.read(in, delimited);
      } else if (field == VersionsEncoding.COLUMN_VERSIONS) {
        compactColumnVersions.read(in, delimited);
      } else if (field == VersionsEncoding.ROW && !delimited) {
        rowIndex = in.readUInt32() & 0xFFFFFFFFL;
      } else if (!in.skipField(tag)) {
        break;
      }
    }
    int versions = compactSeqs.size;
    if (compactHlcs.size != versions
        || compactVersionDevices.size != versions
        || compactColumnVersions.size != compactColumns.size) {
      throw new InvalidProtocolBufferException(
          "the compact field versions' lists differ in length: "
              + versions
              + " sequences, "
              + compactHlcs.size
              + " stamps, "
              + compactVersionDevices.size
              + " devices, "
              + compactColumns.size
              + " columns, "
              + compactColumnVersions.size
              + " version indexes");
    }
    for (int i = 0; i < versions; i++) {
      VersionsEncoding.requireIndex(
          compactVersionDevices.values[i], compactDevices.size(), "device");
    }
    for (int i = 0; i < compactColumns.size; i++) {
      long version = compactColumnVersions.values[i];
      VersionsEncoding.requireIndex(version, versions, "version");
      if (compactColumns.values[i] >= 0) {
        recordCompact((int) compactColumns.values[i], (int) version);
      }
    }
    if (rowIndex != 0) {
      VersionsEncoding.requireIndex(rowIndex - 1, versions, "row version");
      recordCompact(row, (int) rowIndex - 1);
    }
  }

  private void recordCompact(int slot, int version) {
    present[slot] = true;
    seqs[slot] = compactSeqs.values[version];
    hlcs[slot] = compactHlcs.values[version];
    devices[slot] = compactDevices.get((int) compactVersionDevices.values[version]);
  }

  /** A growable list of varints, reused from scan to scan. */
  private static final class Varints {
    long[] values = new long[8];
    int size;

    void clear() {
      size = 0;
    }

    void add(long value) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = value;
    }

    /** Appends one value, or every value of a packed run. */
    void read(CodedInputStream in, boolean packed) throws IOException {
      if (!packed) {
        add(in.readInt64());
        return;
      }
      int limit = in.pushLimit(in.readRawVarint32());
      while (!in.isAtEnd()) {
        add(in.readInt64());
      }
      in.popLimit(limit);
    }
  }

  private void readEntry(CodedInputStream in) throws IOException {
    int column = -1;
    fieldSeq = 0;
    fieldHlc = 0;
    fieldDevice = "";
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == KEY) {
        int length = in.readRawVarint32();
        column = column(in.getTotalBytesRead(), length);
        in.skipRawBytes(length);
      } else if (tag == VALUE) {
        int limit = in.pushLimit(in.readRawVarint32());
        readVersion(in);
        in.popLimit(limit);
      } else if (!in.skipField(tag)) {
        break;
      }
    }
    if (column >= 0) {
      record(column);
    }
  }

  /** Reads a version's fields over the current ones, so a repeated version merges. */
  private void readVersion(CodedInputStream in) throws IOException {
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == SEQ) {
        fieldSeq = in.readInt64();
      } else if (tag == HLC) {
        fieldHlc = in.readInt64();
      } else if (tag == DEVICE) {
        int length = in.readRawVarint32();
        fieldDevice = device(in.getTotalBytesRead(), length);
        in.skipRawBytes(length);
      } else if (!in.skipField(tag)) {
        break;
      }
    }
  }

  private void record(int slot) {
    present[slot] = true;
    seqs[slot] = fieldSeq;
    hlcs[slot] = fieldHlc;
    devices[slot] = fieldDevice;
  }

  private int column(int at, int length) throws InvalidProtocolBufferException {
    requireWithin(at, length);
    // Versions are usually written in column order: try the column after the last one first.
    int next = lastColumn + 1;
    if (next < names.length && matches(names[next], at, length)) {
      lastColumn = next;
      return next;
    }
    for (int i = 0; i < names.length; i++) {
      if (matches(names[i], at, length)) {
        lastColumn = i;
        return i;
      }
    }
    return -1;
  }

  private boolean matches(byte[] name, int at, int length) {
    return name.length == length && Arrays.equals(bytes, at, at + length, name, 0, length);
  }

  private String device(int at, int length) throws InvalidProtocolBufferException {
    requireWithin(at, length);
    for (int i = 0; i < knownDevices.length; i++) {
      byte[] known = knownDeviceBytes[i];
      if (known != null
          && known.length == length
          && Arrays.equals(bytes, at, at + length, known, 0, length)) {
        return knownDevices[i];
      }
    }
    byte[] copy = Arrays.copyOfRange(bytes, at, at + length);
    String device = new String(copy, StandardCharsets.UTF_8);
    knownDeviceBytes[nextKnown] = copy;
    knownDevices[nextKnown] = device;
    nextKnown = (nextKnown + 1) % knownDevices.length;
    return device;
  }

  private void requireWithin(int at, int length) throws InvalidProtocolBufferException {
    if (length < 0 || at + length > bytes.length) {
      throw new InvalidProtocolBufferException(
          "a length-delimited field runs past the end of the field versions");
    }
  }
}
