package io.fieldsync.server.push;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.wire.FieldVersion;
import io.fieldsync.wire.RecordVersions;
import io.fieldsync.wire.VersionsEncoding;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A saved record's versions decode back to the message of its fields, as the store keeps any. */
class WorkingRecordTest {
  private static final String[] COLUMNS = {"a", "head_name", "ünïcödé", "", "x".repeat(200)};
  private static final String[] DEVICES = {"", "dev-1", "phone ✓", "d".repeat(300)};
  private static final long[] NUMBERS = {0, 1, -1, 127, 128, Long.MAX_VALUE, Long.MIN_VALUE};

  @Test
  void encodedVersionsDecodeToTheMessageForRandomRecords() throws Exception {
    long seed = 20261207L;
    SplittableRandom random = new SplittableRandom(seed);
    for (int n = 0; n < 2_000; n++) {
      WorkingRecord record = new WorkingRecord(null, "r" + n, null);
      RecordVersions.Builder expected = RecordVersions.newBuilder();
      for (int k = random.nextInt(12); k > 0; k--) {
        String column = COLUMNS[random.nextInt(COLUMNS.length)] + random.nextInt(4);
        FieldVersion version = randomVersion(random);
        record.fieldVersions.put(column, version);
        expected.putFields(column, version);
      }
      if (random.nextBoolean()) {
        record.row = randomVersion(random);
        expected.setRow(record.row);
      }
      if (random.nextBoolean()) {
        record.created = random.nextBoolean() ? 1 + random.nextInt(1000) : random.nextLong();
        expected.setCreated(record.created);
      }
      if (random.nextInt(4) == 0) {
        record.inheritedScope = random.nextBoolean() ? null : COLUMNS[random.nextInt(4)];
        record.scopeSeq = 1 + random.nextInt(1000);
        if (record.inheritedScope != null) {
          expected.setScope(record.inheritedScope);
        }
        expected.setScopeSeq(record.scopeSeq);
      }
      byte[] encoded = record.encodedVersions();
      assertThat(VersionsEncoding.decode(encoded))
          .as("record %d of seed %d", n, seed)
          .isEqualTo(expected.build());
      assertThat(encoded)
          .as("record %d of seed %d", n, seed)
          .isEqualTo(VersionsEncoding.encode(expected.build()));
    }
  }

  private static FieldVersion randomVersion(SplittableRandom random) {
    return FieldVersion.newBuilder()
        .setSeq(random.nextBoolean() ? NUMBERS[random.nextInt(NUMBERS.length)] : random.nextLong())
        .setHlc(random.nextBoolean() ? NUMBERS[random.nextInt(NUMBERS.length)] : random.nextLong())
        .setDevice(DEVICES[random.nextInt(DEVICES.length)])
        .build();
  }
}
