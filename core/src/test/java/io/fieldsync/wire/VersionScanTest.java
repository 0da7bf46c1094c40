package io.fieldsync.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link VersionScan} reads exactly what {@link RecordVersions#parseFrom} reads, and {@link
 * VersionsEncoding}'s compact form as it decodes.
 */
class VersionScanTest {
  /** The columns a scan is built for: ASCII, prefixes of each other, accents, CJK, emoji. */
  private static final List<String> COLUMNS =
      List.of("id", "region", "regions", "r", "région", "名前", "温度😀", "head_name", "x");

  /** Names that are not columns but look like them. */
  private static final List<String> OTHERS =
      List.of("", "reg", "Region", "region ", "regio\u0301n", "名", "😀", "id\u0000", "xx");

  private static final List<String> DEVICES =
      List.of("", "d1", "tablet-7", "appareil-é", "端末", "📱phone", "d".repeat(300));

  private static final long BASE_SEED = 0x5eed_7a11_0f_ca5eL;
  private static final int CASES = 2_000;

  @Test
  void randomVersionsScanAsTheyParse() throws Exception {
    VersionScan scan = new VersionScan(COLUMNS);
    for (int i = 0; i < CASES; i++) {
      long seed = BASE_SEED + i;
      RecordVersions versions = randomVersions(new Random(seed));
      byte[] encoded = versions.toByteArray();

      scan.scan(encoded);

      assertScanMatches(scan, RecordVersions.parseFrom(encoded), "seed " + seed);
    }
  }

  @Test
  void aRepeatedNameOrRowInTheBytesScansAsTheMergedMessageParses() throws Exception {
    VersionScan scan = new VersionScan(COLUMNS);
    for (int i = 0; i < CASES; i++) {
      long seed = BASE_SEED + CASES + i;
      Random random = new Random(seed);
      RecordVersions first = randomVersions(random);
      RecordVersions second = randomVersions(random);
      byte[] encoded = concat(first.toByteArray(), second.toByteArray());

      scan.scan(encoded);

      assertScanMatches(scan, RecordVersions.parseFrom(encoded), "seed " + seed);
    }
  }

  @Test
  void aRepeatedNameKeepsItsLastVersion() throws Exception {
    RecordVersions first =
        RecordVersions.newBuilder()
            .putFields("region", version(5, 50, "d1"))
            .putFields("x", version(6, 60, "d1"))
            .build();
    RecordVersions second =
        RecordVersions.newBuilder().putFields("region", version(0, 70, "")).build();
    byte[] encoded = concat(first.toByteArray(), second.toByteArray());
    VersionScan scan = new VersionScan(COLUMNS);

    scan.scan(encoded);

    int region = COLUMNS.indexOf("region");
    assertThat(RecordVersions.parseFrom(encoded).getFieldsOrThrow("region"))
        .isEqualTo(version(0, 70, ""));
    assertThat(scan.has(region)).isTrue();
    assertThat(scan.seq(region)).isZero();
    assertThat(scan.hlc(region)).isEqualTo(70);
    assertThat(scan.device(region)).isEmpty();
    assertThat(scan.seq(COLUMNS.indexOf("x"))).isEqualTo(6);
  }

  /**
   * Regression: a repeated row version (or a repeated value in one name's entry) replaced the one
   * before, where parsing merges it, so the row's seq and device read as 0 and "" when the later
   * copy left them out.
   */
  @Test
  void aRepeatedRowOrEntryValueMergesAsParsingMergesIt() throws Exception {
    byte[] rows =
        concat(
            RecordVersions.newBuilder().setRow(version(5, 50, "d1")).build().toByteArray(),
            RecordVersions.newBuilder().setRow(version(0, 70, "")).build().toByteArray());
    // one entry: key "x", value {seq 5}, value {hlc 7}
    byte[] values = {0x0a, 0x0b, 0x0a, 0x01, 0x78, 0x12, 0x02, 0x08, 0x05, 0x12, 0x02, 0x10, 0x07};
    VersionScan scan = new VersionScan(COLUMNS);

    scan.scan(rows);

    assertThat(RecordVersions.parseFrom(rows).getRow()).isEqualTo(version(5, 70, "d1"));
    assertThat(scan.hasRow()).isTrue();
    assertThat(scan.rowSeq()).isEqualTo(5);
    assertThat(scan.rowDevice()).isEqualTo("d1");

    scan.scan(values);

    assertThat(RecordVersions.parseFrom(values).getFieldsOrThrow("x")).isEqualTo(version(5, 7, ""));
    assertScanMatches(scan, RecordVersions.parseFrom(values), "repeated value");
  }

  @Test
  void aScanKeepsNothingOfTheRecordScannedBefore() throws Exception {
    VersionScan scan = new VersionScan(COLUMNS);
    scan.scan(
        RecordVersions.newBuilder()
            .putFields("region", version(3, 30, "d1"))
            .putFields("名前", version(4, 40, "端末"))
            .setRow(version(3, 30, "d1"))
            .build()
            .toByteArray());
    RecordVersions next =
        RecordVersions.newBuilder().putFields("head_name", version(9, 90, "d2")).build();

    scan.scan(next.toByteArray());

    assertScanMatches(scan, next, "second scan");
    assertThat(scan.has(COLUMNS.indexOf("region"))).isFalse();
    assertThat(scan.has(COLUMNS.indexOf("名前"))).isFalse();
    assertThat(scan.hasRow()).isFalse();

    scan.scan(new byte[0]);

    assertScanMatches(scan, RecordVersions.getDefaultInstance(), "empty scan");
  }

  @Test
  void truncatedBytesAreRefusedWhereParsingRefusesThem() throws Exception {
    byte[] encoded =
        RecordVersions.newBuilder()
            .putFields("region", version(3, 30, "tablet-7"))
            .setRow(version(4, 40, "d1"))
            .build()
            .toByteArray();
    // The first field (tag, length, entry) ends here: only that prefix is a whole message.
    int firstField = 2 + encoded[1];
    VersionScan scan = new VersionScan(COLUMNS);

    for (int length = 1; length < encoded.length; length++) {
      byte[] truncated = Arrays.copyOf(encoded, length);
      if (length == firstField) {
        scan.scan(truncated);
        assertScanMatches(scan, RecordVersions.parseFrom(truncated), "whole first field");
        continue;
      }
      assertThatThrownBy(() -> RecordVersions.parseFrom(truncated))
          .as("parseFrom of the first %d of %d bytes", length, encoded.length)
          .isInstanceOf(InvalidProtocolBufferException.class);
      assertThatThrownBy(() -> scan.scan(truncated))
          .as("scan of the first %d of %d bytes", length, encoded.length)
          .isInstanceOf(InvalidProtocolBufferException.class);
    }
  }

  @Test
  void randomTruncationsAreRefusedExactlyWhenParsingRefusesThem() throws Exception {
    VersionScan scan = new VersionScan(COLUMNS);
    for (int i = 0; i < CASES; i++) {
      long seed = BASE_SEED + 3L * CASES + i;
      Random random = new Random(seed);
      assertCutScansAsItDecodes(scan, randomVersions(random).toByteArray(), random, seed);
    }
  }

  @Test
  void randomTruncationsOfCompactEncodingsAreRefusedExactlyWhenDecodingRefusesThem()
      throws Exception {
    VersionScan scan = new VersionScan(COLUMNS);
    for (int i = 0; i < CASES; i++) {
      long seed = BASE_SEED + 6L * CASES + i;
      Random random = new Random(seed);
      byte[] compact = VersionsEncoding.encode(sharingVersions(random));
      for (int cut = 0; cut < 8; cut++) {
        assertCutScansAsItDecodes(scan, compact, random, seed);
      }
    }
  }

  /**
   * Cuts {@code encoded} at a random length: the scan refuses the cut bytes exactly when {@link
   * VersionsEncoding#decode} does (for message bytes, {@link RecordVersions#parseFrom}), and else
   * reads what it decodes.
   */
  private static void assertCutScansAsItDecodes(
      VersionScan scan, byte[] encoded, Random random, long seed) throws Exception {
    if (encoded.length < 2) {
      return;
    }
    byte[] truncated = Arrays.copyOf(encoded, 1 + random.nextInt(encoded.length - 1));
    RecordVersions decoded;
    try {
      decoded = VersionsEncoding.decode(truncated);
    } catch (InvalidProtocolBufferException refused) {
      assertThatThrownBy(() -> scan.scan(truncated))
          .as("seed %d: scan of %d of %d bytes", seed, truncated.length, encoded.length)
          .isInstanceOf(InvalidProtocolBufferException.class);
      return;
    }
    scan.scan(truncated);
    assertScanMatches(scan, decoded, "seed " + seed + ", cut to " + truncated.length);
  }

  @Test
  void aLengthRunningPastTheEndIsRefused() {
    // fields entry of 2 bytes: key (tag 0x0a) claiming 100 bytes of name
    byte[] keyTooLong = {0x0a, 0x02, 0x0a, 0x64};
    // fields entry claiming 50 bytes where 2 follow
    byte[] entryTooLong = {0x0a, 0x32, 0x0a, 0x00};
    // row version whose device (tag 0x1a) claims 9 bytes of 1
    byte[] deviceTooLong = {0x12, 0x03, 0x1a, 0x09, 0x41};
    VersionScan scan = new VersionScan(COLUMNS);

    for (byte[] bytes : List.of(keyTooLong, entryTooLong, deviceTooLong)) {
      assertThatThrownBy(() -> RecordVersions.parseFrom(bytes))
          .isInstanceOf(InvalidProtocolBufferException.class);
      assertThatThrownBy(() -> scan.scan(bytes))
          .as("scan of %s", Arrays.toString(bytes))
          .isInstanceOf(InvalidProtocolBufferException.class);
    }
  }

  @Test
  void theMessageOverloadScansAsTheBytes() throws Exception {
    VersionScan fromBytes = new VersionScan(COLUMNS);
    VersionScan fromMessage = new VersionScan(COLUMNS);
    for (int i = 0; i < 200; i++) {
      long seed = BASE_SEED + 2L * CASES + i;
      RecordVersions versions = randomVersions(new Random(seed));

      fromBytes.scan(versions.toByteArray());
      fromMessage.scan(versions);

      assertThat(describe(fromMessage)).as("seed %d", seed).isEqualTo(describe(fromBytes));
      assertScanMatches(fromMessage, versions, "seed " + seed);
    }
  }

  @Test
  void aScanWithoutColumnsReadsOnlyTheRow() throws Exception {
    VersionScan scan = new VersionScan(List.of());
    RecordVersions versions =
        RecordVersions.newBuilder()
            .putFields("region", version(1, 2, "d1"))
            .setRow(version(-4, 5, "d2"))
            .build();

    scan.scan(versions.toByteArray());

    assertThat(scan.columns()).isZero();
    assertThat(scan.hasRow()).isTrue();
    assertThat(scan.rowSeq()).isEqualTo(-4);
    assertThat(scan.rowDevice()).isEqualTo("d2");
  }

  @Test
  void compactEncodingsDecodeAndScanAsTheMessageTheyEncode() throws Exception {
    VersionScan scan = new VersionScan(COLUMNS);
    for (int i = 0; i < CASES; i++) {
      long seed = BASE_SEED + 4L * CASES + i;
      Random random = new Random(seed);
      RecordVersions versions = sharingVersions(random);

      byte[] compact = VersionsEncoding.encode(versions);
      scan.scan(compact);

      assertThat(VersionsEncoding.decode(compact)).as("seed %d", seed).isEqualTo(versions);
      assertScanMatches(scan, versions, "compact, seed " + seed);
      // Stores written before hold the message's bytes: both readers still take them.
      byte[] message = versions.toByteArray();
      assertThat(VersionsEncoding.decode(message)).as("seed %d", seed).isEqualTo(versions);
      scan.scan(message);
      assertScanMatches(scan, versions, "message, seed " + seed);
    }
  }

  @Test
  void aRecordWrittenByOneChangeNamesItsDeviceOnce() {
    FieldVersion one = version(70_001, 1_765_000_000_000L << 16, "device-a-1f0e7c2b9d3a");
    RecordVersions.Builder versions = RecordVersions.newBuilder().setRow(one);
    for (String column : List.of("id", "region", "head_name", "members", "income", "phone")) {
      versions.putFields(column, one);
    }
    byte[] message = versions.build().toByteArray();

    byte[] compact = VersionsEncoding.encode(versions.build());

    assertThat(compact.length).isLessThan(message.length / 2);
    assertThat(new String(compact, java.nio.charset.StandardCharsets.ISO_8859_1))
        .containsOnlyOnce("device-a-1f0e7c2b9d3a");
  }

  @Test
  void compactBytesThatAreCutOrNameMissingEntriesAreRefused() throws Exception {
    VersionScan scan = new VersionScan(COLUMNS);
    for (int i = 0; i < CASES; i++) {
      long seed = BASE_SEED + 5L * CASES + i;
      Random random = new Random(seed);
      assertCutScansAsItDecodes(
          scan, VersionsEncoding.encode(sharingVersions(random)), random, seed);
    }
    // devices ["d"], one version naming device 1 (there is only 0)
    byte[] noSuchDevice = {0x1a, 0x01, 0x64, 0x22, 0x01, 0x01, 0x2a, 0x01, 0x02, 0x32, 0x01, 0x01};
    // one version, a field "x" naming version 3
    byte[] noSuchVersion = {
      0x1a, 0x01, 0x64, 0x22, 0x01, 0x01, 0x2a, 0x01, 0x02, 0x32, 0x01, 0x00, 0x3a, 0x01, 0x78,
      0x42, 0x01, 0x03
    };
    // one version, two sequences
    byte[] uneven = {0x1a, 0x01, 0x64, 0x22, 0x02, 0x01, 0x02, 0x2a, 0x01, 0x02, 0x32, 0x01, 0x00};
    // a row version 2 of 1
    byte[] noSuchRow = {
      0x1a, 0x01, 0x64, 0x22, 0x01, 0x01, 0x2a, 0x01, 0x02, 0x32, 0x01, 0x00, 0x48, 0x02
    };
    for (byte[] bytes : List.of(noSuchDevice, noSuchVersion, uneven, noSuchRow)) {
      assertThatThrownBy(() -> VersionsEncoding.decode(bytes))
          .as("decode of %s", Arrays.toString(bytes))
          .isInstanceOf(InvalidProtocolBufferException.class);
      assertThatThrownBy(() -> scan.scan(bytes))
          .as("scan of %s", Arrays.toString(bytes))
          .isInstanceOf(InvalidProtocolBufferException.class);
    }
  }

  /** Random versions where fields often share a version, as the fields of one change do. */
  private static RecordVersions sharingVersions(Random random) {
    RecordVersions drawn = randomVersions(random);
    List<FieldVersion> pool = new ArrayList<>();
    for (int k = 1 + random.nextInt(3); k > 0; k--) {
      pool.add(randomVersion(random));
    }
    RecordVersions.Builder versions = RecordVersions.newBuilder();
    for (Map.Entry<String, FieldVersion> field : drawn.getFieldsMap().entrySet()) {
      versions.putFields(
          field.getKey(),
          random.nextInt(4) == 0 ? field.getValue() : pool.get(random.nextInt(pool.size())));
    }
    if (drawn.hasRow()) {
      versions.setRow(random.nextBoolean() ? drawn.getRow() : pool.get(0));
    }
    return versions.build();
  }

  private static void assertScanMatches(VersionScan scan, RecordVersions parsed, String where) {
    Map<String, FieldVersion> fields = parsed.getFieldsMap();
    assertThat(scan.columns()).as(where).isEqualTo(COLUMNS.size());
    for (int i = 0; i < COLUMNS.size(); i++) {
      String column = COLUMNS.get(i);
      FieldVersion expected = fields.get(column);
      String what = where + ", column '" + column + "'";
      assertThat(scan.has(i)).as(what + " has").isEqualTo(expected != null);
      if (expected != null) {
        assertThat(scan.seq(i)).as(what + " seq").isEqualTo(expected.getSeq());
        assertThat(scan.hlc(i)).as(what + " hlc").isEqualTo(expected.getHlc());
        assertThat(scan.device(i)).as(what + " device").isEqualTo(expected.getDevice());
      }
    }
    assertThat(scan.hasRow()).as(where + ", hasRow").isEqualTo(parsed.hasRow());
    if (parsed.hasRow()) {
      assertThat(scan.rowSeq()).as(where + ", rowSeq").isEqualTo(parsed.getRow().getSeq());
      assertThat(scan.rowDevice()).as(where + ", rowDevice").isEqualTo(parsed.getRow().getDevice());
    }
  }

  /** What a scan read, as text, to compare two scans. */
  private static String describe(VersionScan scan) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < scan.columns(); i++) {
      if (scan.has(i)) {
        text.append(i)
            .append('=')
            .append(scan.seq(i))
            .append('/')
            .append(scan.hlc(i))
            .append('/')
            .append(scan.device(i))
            .append(' ');
      }
    }
    if (scan.hasRow()) {
      text.append("row=").append(scan.rowSeq()).append('/').append(scan.rowDevice());
    }
    return text.toString();
  }

  private static RecordVersions randomVersions(Random random) {
    RecordVersions.Builder versions = RecordVersions.newBuilder();
    List<String> names = new ArrayList<>();
    for (String column : COLUMNS) {
      if (random.nextInt(3) > 0) {
        names.add(column);
      }
    }
    for (String other : OTHERS) {
      if (random.nextInt(4) == 0) {
        names.add(other);
      }
    }
    if (random.nextInt(5) == 0) {
      names.add(randomName(random));
    }
    // In column order (how stores write them, which the scan tries first) or in any order.
    if (random.nextBoolean()) {
      Collections.shuffle(names, random);
    }
    for (String name : names) {
      versions.putFields(name, randomVersion(random));
    }
    if (random.nextBoolean()) {
      versions.setRow(randomVersion(random));
    }
    return versions.build();
  }

  private static FieldVersion randomVersion(Random random) {
    return FieldVersion.newBuilder()
        .setSeq(randomLong(random))
        .setHlc(randomLong(random))
        .setDevice(
            random.nextInt(6) == 0
                ? randomName(random)
                : DEVICES.get(random.nextInt(DEVICES.size())))
        .build();
  }

  private static long randomLong(Random random) {
    return switch (random.nextInt(6)) {
      case 0 -> 0;
      case 1 -> random.nextInt(1000) + 1;
      case 2 -> Long.MAX_VALUE - random.nextInt(3);
      case 3 -> Long.MIN_VALUE + random.nextInt(3);
      case 4 -> -1 - random.nextInt(1000);
      default -> random.nextLong();
    };
  }

  /** Text of random code points, from ASCII to the supplementary planes. */
  private static String randomName(Random random) {
    StringBuilder name = new StringBuilder();
    for (int i = random.nextInt(8); i > 0; i--) {
      int codePoint =
          switch (random.nextInt(4)) {
            case 0 -> 'a' + random.nextInt(26);
            case 1 -> 0xA0 + random.nextInt(0x700);
            case 2 -> 0x4E00 + random.nextInt(0x5000);
            default -> 0x1F300 + random.nextInt(0x300);
          };
      name.appendCodePoint(codePoint);
    }
    return name.toString();
  }

  private static FieldVersion version(long seq, long hlc, String device) {
    return FieldVersion.newBuilder().setSeq(seq).setHlc(hlc).setDevice(device).build();
  }

  private static byte[] concat(byte[] first, byte[] second) {
    byte[] both = Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, both, first.length, second.length);
    return both;
  }
}
