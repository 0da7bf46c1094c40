package io.fieldsync.wire;

import com.google.protobuf.ByteString;
import io.fieldsync.ProtocolException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * The packed ids of a message: canonical lowercase UUIDs as 16 byte planes (byte k of every UUID,
 * then byte k + 1), which zstd compresses far better than text; any other id as text.
 */
final class IdPlanes {
  private long[] uuids = new long[64];
  private int uuidCount;
  private final PackedIds.Builder ids = PackedIds.newBuilder();

  void add(String id) {
    if (uuidCount * 2 + 2 > uuids.length) {
      uuids = Arrays.copyOf(uuids, uuids.length * 2);
    }
    if (parseCanonicalUuid(id, uuids, uuidCount * 2)) {
      uuidCount++;
      ids.addIsText(false);
    } else {
      ids.addIsText(true).addTexts(id);
    }
  }

  PackedIds build() {
    byte[] planes = new byte[16 * uuidCount];
    for (int i = 0; i < uuidCount; i++) {
      long high = uuids[2 * i];
      long low = uuids[2 * i + 1];
      for (int k = 0; k < 8; k++) {
        planes[k * uuidCount + i] = (byte) (high >>> (56 - 8 * k));
        planes[(k + 8) * uuidCount + i] = (byte) (low >>> (56 - 8 * k));
      }
    }
    if (ids.getTextsCount() == 0) {
      ids.clearIsText();
    }
    return ids.setUuids(ByteString.copyFrom(planes)).build();
  }

  /** The ids of {@code count} packed records or changes, in order. */
  static List<String> read(String where, PackedIds packed, int count) {
    Unpacking.requireCountOrNone(where, "ids.is_text", packed.getIsTextCount(), count);
    int texts = 0;
    for (boolean isText : packed.getIsTextList()) {
      texts += isText ? 1 : 0;
    }
    Unpacking.requireCount(where, "ids.texts", packed.getTextsCount(), texts);
    int uuids = count - texts;
    if (packed.getUuids().size() != 16L * uuids) {
      throw new ProtocolException(
          where
              + ".ids.uuids has "
              + packed.getUuids().size()
              + " bytes, expected 16 for each of "
              + uuids
              + " UUID ids");
    }
    byte[] planes = packed.getUuids().toByteArray();
    List<String> ids = new ArrayList<>(count);
    int uuid = 0;
    int text = 0;
    for (int i = 0; i < count; i++) {
      if (packed.getIsTextCount() > 0 && packed.getIsText(i)) {
        ids.add(packed.getTexts(text++));
        continue;
      }
      long high = 0;
      long low = 0;
      for (int k = 0; k < 8; k++) {
        high = (high << 8) | (planes[k * uuids + uuid] & 0xFF);
        low = (low << 8) | (planes[(k + 8) * uuids + uuid] & 0xFF);
      }
      ids.add(new UUID(high, low).toString());
      uuid++;
    }
    return ids;
  }

  /**
   * Parses {@code id} into {@code out[at]} (high bits) and {@code out[at + 1]} when it is exactly
   * how {@link UUID#toString} prints a UUID (lowercase, hyphens in place), so decoding gives the
   * same text back.
   */
  static boolean parseCanonicalUuid(String id, long[] out, int at) {
    if (id.length() != 36) {
      return false;
    }
    long high = 0;
    long low = 0;
    int nibbles = 0;
    for (int i = 0; i < 36; i++) {
      char c = id.charAt(i);
      if (i == 8 || i == 13 || i == 18 || i == 23) {
        if (c != '-') {
          return false;
        }
        continue;
      }
      int digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else {
        return false;
      }
      if (nibbles++ < 16) {
        high = (high << 4) | digit;
      } else {
        low = (low << 4) | digit;
      }
    }
    out[at] = high;
    out[at + 1] = low;
    return true;
  }
}
