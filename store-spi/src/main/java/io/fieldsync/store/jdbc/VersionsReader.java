package io.fieldsync.store.jdbc;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.fieldsync.wire.FieldVersion;
import io.fieldsync.wire.RecordVersions;
import java.io.IOException;

/**
 * Decodes the {@code versions} blob of {@code _fs_records} ({@link RecordVersions}) field by field.
 * Every pulled record carries one, and the generic protobuf parse of its map (an entry message per
 * field) cost about twice this. The result equals {@code RecordVersions.parseFrom}'s; a blob with
 * anything this reader does not expect (an unknown field, a wire type it does not know) is handed
 * to that parser instead, so nothing is ever dropped.
 *
 * <p>Not thread-safe: it remembers the last device name it decoded (most fields of a record, and of
 * a page, were written by one device).
 */
final class VersionsReader {
  private static final int MAP_ENTRY = 1 << 3 | 2;
  private static final int ROW = 2 << 3 | 2;
  private static final int KEY = 1 << 3 | 2;
  private static final int VALUE = 2 << 3 | 2;
  private static final int SEQ = 1 << 3;
  private static final int HLC = 2 << 3;
  private static final int DEVICE = 3 << 3 | 2;

  private ByteString lastDeviceBytes = ByteString.EMPTY;
  private String lastDevice = "";

  RecordVersions read(byte[] bytes) throws InvalidProtocolBufferException {
    try {
      RecordVersions fast = decode(bytes);
      if (fast != null) {
        return fast;
      }
    } catch (IOException | RuntimeException e) {
      // Fall through: the full parser reports what is wrong, or reads what this does not know.
    }
    return RecordVersions.parseFrom(bytes);
  }

  /** The decoded message, or null when the blob holds something unexpected. */
  private RecordVersions decode(byte[] bytes) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    RecordVersions.Builder result = RecordVersions.newBuilder();
    boolean hasRow = false;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == MAP_ENTRY) {
        int limit = in.pushLimit(in.readRawVarint32());
        String key = "";
        FieldVersion value = FieldVersion.getDefaultInstance();
        for (int inner = in.readTag(); inner != 0; inner = in.readTag()) {
          if (inner == KEY) {
            key = in.readStringRequireUtf8();
          } else if (inner == VALUE) {
            value = fieldVersion(in, value); // a repeated value merges, as the parser does
            if (value == null) {
              return null;
            }
          } else {
            return null;
          }
        }
        in.popLimit(limit);
        result.putFields(key, value);
      } else if (tag == ROW) {
        // A repeated singular message field merges, as the parser does.
        FieldVersion row =
            fieldVersion(in, hasRow ? result.getRow() : FieldVersion.getDefaultInstance());
        if (row == null) {
          return null;
        }
        result.setRow(row);
        hasRow = true;
      } else {
        return null;
      }
    }
    return result.build();
  }

  private FieldVersion fieldVersion(CodedInputStream in, FieldVersion base) throws IOException {
    int limit = in.pushLimit(in.readRawVarint32());
    FieldVersion.Builder version = base.toBuilder();
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case SEQ -> version.setSeq(in.readInt64());
        case HLC -> version.setHlc(in.readInt64());
        case DEVICE -> version.setDevice(device(in));
        default -> {
          return null;
        }
      }
    }
    in.popLimit(limit);
    return version.build();
  }

  private String device(CodedInputStream in) throws IOException {
    ByteString raw = in.readBytes();
    if (!raw.equals(lastDeviceBytes)) {
      if (!raw.isValidUtf8()) {
        throw new InvalidProtocolBufferException("device name is not valid UTF-8");
      }
      lastDeviceBytes = raw;
      lastDevice = raw.toStringUtf8();
    }
    return lastDevice;
  }
}
