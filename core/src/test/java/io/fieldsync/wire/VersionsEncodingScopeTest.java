package io.fieldsync.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The scope a record inherits from its parents travels through both encodings. */
class VersionsEncodingScopeTest {
  private static final FieldVersion VERSION =
      FieldVersion.newBuilder().setSeq(57).setHlc(123L << 16).setDevice("tablet-3").build();

  @Test
  void theInheritedScopeAndItsSequenceSurviveTheCompactEncoding() throws Exception {
    RecordVersions versions =
        RecordVersions.newBuilder()
            .putFields("household_id", VERSION)
            .setRow(VERSION)
            .setCreated(57)
            .setScope("north")
            .setScopeSeq(90)
            .build();

    byte[] compact = VersionsEncoding.encode(versions);

    assertThat(VersionsEncoding.isCompact(compact)).isTrue();
    assertThat(VersionsEncoding.decode(compact)).isEqualTo(versions);
  }

  @Test
  void anEmptyScopeIsKeptApartFromNone() throws Exception {
    RecordVersions empty =
        RecordVersions.newBuilder().putFields("a", VERSION).setScope("").setScopeSeq(3).build();
    RecordVersions none =
        RecordVersions.newBuilder().putFields("a", VERSION).setScopeSeq(3).build();

    assertThat(VersionsEncoding.decode(VersionsEncoding.encode(empty)).hasScope()).isTrue();
    assertThat(VersionsEncoding.decode(VersionsEncoding.encode(none)).hasScope()).isFalse();
  }

  @Test
  void versionsWithOnlyAScopeKeepIt() throws Exception {
    RecordVersions versions = RecordVersions.newBuilder().setScope("south").setScopeSeq(4).build();

    assertThat(VersionsEncoding.decode(VersionsEncoding.encode(versions))).isEqualTo(versions);
  }

  @Test
  void aPullScanSkipsTheScope() throws Exception {
    RecordVersions versions =
        RecordVersions.newBuilder()
            .putFields("household_id", VERSION)
            .setScope("north")
            .setScopeSeq(90)
            .build();
    VersionScan scan = new VersionScan(List.of("id", "household_id"));

    scan.scan(VersionsEncoding.encode(versions));

    assertThat(scan.has(1)).isTrue();
    assertThat(scan.seq(1)).isEqualTo(57);
    assertThat(scan.has(0)).isFalse();
  }
}
