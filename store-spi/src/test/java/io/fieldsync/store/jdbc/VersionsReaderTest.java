package io.fieldsync.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.fieldsync.wire.FieldVersion;
import io.fieldsync.wire.RecordVersions;
import java.io.ByteArrayOutputStream;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class VersionsReaderTest {
  private static final String[] DEVICES = {"seeder", "tablet-7", "", "appareil-é"};

  @Test
  void decodesExactlyWhatTheProtobufParserDecodes() throws Exception {
    VersionsReader reader = new VersionsReader();
    for (long seed = 1; seed <= 2_000; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      RecordVersions.Builder versions = RecordVersions.newBuilder();
      int fields = random.nextInt(12);
      for (int i = 0; i < fields; i++) {
        versions.putFields("col" + random.nextInt(20), version(random));
      }
      if (random.nextBoolean()) {
        versions.setRow(version(random));
      }
      byte[] bytes = versions.build().toByteArray();

      assertThat(reader.read(bytes)).as("seed %d", seed).isEqualTo(RecordVersions.parseFrom(bytes));
    }
  }

  @Test
  void mergesRepeatedMessagesAsTheParserDoes() throws Exception {
    FieldVersion first = FieldVersion.newBuilder().setSeq(3).setDevice("a").build();
    FieldVersion second = FieldVersion.newBuilder().setHlc(9).build();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    RecordVersions.newBuilder().setRow(first).putFields("x", first).build().writeTo(bytes);
    RecordVersions.newBuilder().setRow(second).putFields("x", second).build().writeTo(bytes);

    RecordVersions expected = RecordVersions.parseFrom(bytes.toByteArray());

    assertThat(new VersionsReader().read(bytes.toByteArray())).isEqualTo(expected);
    assertThat(expected.getRow().getSeq()).isEqualTo(3);
    assertThat(expected.getRow().getHlc()).isEqualTo(9);
  }

  @Test
  void unknownFieldsAreKeptByHandingTheBlobToTheParser() throws Exception {
    RecordVersions withUnknown =
        RecordVersions.newBuilder()
            .putFields("a", FieldVersion.newBuilder().setSeq(1).build())
            .setUnknownFields(
                UnknownFieldSet.newBuilder()
                    .addField(
                        7,
                        UnknownFieldSet.Field.newBuilder()
                            .addLengthDelimited(ByteString.copyFromUtf8("later"))
                            .build())
                    .build())
            .build();
    byte[] bytes = withUnknown.toByteArray();

    RecordVersions read = new VersionsReader().read(bytes);

    assertThat(read).isEqualTo(RecordVersions.parseFrom(bytes));
    assertThat(read.getUnknownFields().hasField(7)).isTrue();
  }

  @Test
  void aCorruptBlobFailsLikeTheParser() {
    byte[] corrupt = {0x0A, 0x7F, 0x01};

    assertThatThrownBy(() -> new VersionsReader().read(corrupt))
        .isInstanceOf(InvalidProtocolBufferException.class);
  }

  private static FieldVersion version(SplittableRandom random) {
    FieldVersion.Builder version = FieldVersion.newBuilder();
    if (random.nextInt(4) != 0) {
      version.setSeq(random.nextLong(0, 1L << 40));
    }
    if (random.nextInt(4) != 0) {
      version.setHlc(random.nextLong());
    }
    if (random.nextInt(4) != 0) {
      version.setDevice(DEVICES[random.nextInt(DEVICES.length)]);
    }
    return version.build();
  }
}
