package io.fieldsync.wire;

import io.fieldsync.schema.Column;
import io.fieldsync.schema.Table;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;

/**
 * The record hashes that device and server compare to verify a device (docs/recovery.md), computed
 * identically on both sides from canonical values.
 *
 * <ul>
 *   <li>{@link #idHash}: the first 8 bytes (big-endian) of SHA-256 of the record id's UTF-8 bytes.
 *       It places a record in an {@link IdRange}: depth {@code d} and prefix {@code p} hold the
 *       records whose id hash has {@code p} in its top {@code 4 * d} bits.
 *   <li>{@link #recordHash}: the first 8 bytes (big-endian) of SHA-256 over the id and then every
 *       other column of the table in schema order, each as a 4-byte big-endian length followed by
 *       the bytes ({@code id}: UTF-8; a column: its wire {@link Value} encoded as protobuf, empty
 *       for NULL).
 *   <li>A range's checksum is the sum of its record hashes modulo 2^64, with the count beside it.
 * </ul>
 *
 * Thread-safe.
 */
public final class RecordHashes {
  /** The deepest range: 16 levels of 4 bits use the whole 64-bit id hash. */
  public static final int MAX_DEPTH = 16;

  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("the JDK has no SHA-256", e);
            }
          });

  private RecordHashes() {}

  public static long idHash(String recordId) {
    MessageDigest digest = SHA256.get();
    digest.reset();
    return ByteBuffer.wrap(digest.digest(recordId.getBytes(StandardCharsets.UTF_8))).getLong();
  }

  /**
   * The hash of one record.
   *
   * @param values column name to canonical value ({@code ColumnType.coerce}); a missing column is
   *     NULL
   */
  public static long recordHash(Table table, String recordId, Map<String, Object> values) {
    MessageDigest digest = SHA256.get();
    digest.reset();
    update(digest, recordId.getBytes(StandardCharsets.UTF_8));
    for (Column column : table.columns().values()) {
      if (!column.primaryKey()) {
        update(digest, Values.toWire(values.get(column.name())).toByteArray());
      }
    }
    return ByteBuffer.wrap(digest.digest()).getLong();
  }

  private static void update(MessageDigest digest, byte[] bytes) {
    digest.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
    digest.update(bytes);
  }

  /** Whether a record with this id hash lies in the range of {@code depth} and {@code prefix}. */
  public static boolean contains(int depth, long prefix, long idHash) {
    return depth == 0 || (idHash >>> (64 - 4 * depth)) == prefix;
  }

  /** The prefix at {@code depth} of an id hash. */
  public static long prefix(int depth, long idHash) {
    return depth == 0 ? 0 : idHash >>> (64 - 4 * depth);
  }

  /**
   * Checks a range's depth and prefix.
   *
   * @throws IllegalArgumentException naming the bad value
   */
  public static void validate(IdRange range) {
    if (range.getDepth() < 0 || range.getDepth() > MAX_DEPTH) {
      throw new IllegalArgumentException(
          "range depth must be 0 to " + MAX_DEPTH + ", found " + range.getDepth());
    }
    if (range.getDepth() < MAX_DEPTH
        && (range.getPrefix() < 0 || range.getPrefix() >= (1L << (4 * range.getDepth())))) {
      throw new IllegalArgumentException(
          "range prefix "
              + range.getPrefix()
              + " does not fit in "
              + 4 * range.getDepth()
              + " bits (depth "
              + range.getDepth()
              + ")");
    }
  }
}
