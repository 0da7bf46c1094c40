package io.fieldsync.wire;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The sequence a record was first created at travels through the compact encoding. */
class VersionsEncodingCreatedTest {
  @Test
  void theCreationSequenceSurvivesTheCompactEncoding() throws Exception {
    FieldVersion version =
        FieldVersion.newBuilder().setSeq(57).setHlc(123L << 16).setDevice("tablet-3").build();
    RecordVersions versions =
        RecordVersions.newBuilder()
            .putFields("head", version)
            .putFields("notes", version)
            .setRow(version)
            .setCreated(41)
            .build();

    byte[] compact = VersionsEncoding.encode(versions);

    assertThat(VersionsEncoding.isCompact(compact)).isTrue();
    assertThat(VersionsEncoding.decode(compact)).isEqualTo(versions);
    assertThat(VersionsEncoding.decode(versions.toByteArray())).isEqualTo(versions);
    RecordVersions onlyCreated = RecordVersions.newBuilder().setCreated(41).build();
    assertThat(VersionsEncoding.decode(VersionsEncoding.encode(onlyCreated)))
        .isEqualTo(onlyCreated);
    RecordVersions unknown = versions.toBuilder().setCreated(0).build();
    assertThat(VersionsEncoding.decode(VersionsEncoding.encode(unknown)).getCreated()).isZero();
  }
}
