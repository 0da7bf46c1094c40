package io.fieldsync.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.Zstd;
import io.fieldsync.ProtocolException;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class WireCodecTest {
  private static PushRequest sample() {
    return PushRequest.newBuilder()
        .setBatchId("b-1")
        .setSchemaVersion(1)
        .addChanges(
            Change.newBuilder()
                .setTable("households")
                .setRecordId("0190f3a4-0000-7000-8000-000000000001")
                .setOp(Op.OP_UPDATE)
                .setBaseSeq(42)
                .setHlc(7)
                .addFields(
                    FieldChange.newBuilder()
                        .setColumn("visit_count")
                        .setValue(Values.toWire(3L))
                        .setDelta(1)
                        .setHlc(7)))
        .build();
  }

  /** Golden bytes: a change here breaks every deployed device, so it must be deliberate. */
  @Test
  void pushRequestEncodingIsStable() {
    String golden =
        "0a03622d311801224f"
            + "0a0a686f757365686f6c6473122430313930663361342d303030302d373030302d383030302d"
            + "303030303030303030303031180222150a0b76697369745f636f756e7412020806180720"
            + "022807302a";

    assertThat(HexFormat.of().formatHex(sample().toByteArray())).isEqualTo(golden);
  }

  @Test
  void encodeThenDecodeRoundTrips() {
    byte[] body = WireCodec.encode(sample());

    assertThat(WireCodec.decode(PushRequest.parser(), body, 1 << 20)).isEqualTo(sample());
  }

  @Test
  void bodyWithoutZstdFrameIsRefused() {
    assertThatThrownBy(
            () -> WireCodec.decode(PushRequest.parser(), new byte[] {1, 2, 3, 4, 5}, 100))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("body is not zstd-compressed (5 bytes); send Content-Encoding: zstd");
  }

  @Test
  void decompressionBombIsStoppedAtTheLimit() {
    byte[] bomb = Zstd.compress(new byte[10_000_000]);

    assertThatThrownBy(() -> WireCodec.decode(PushRequest.parser(), bomb, 1 << 20))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("decompressed body exceeds the limit of 1048576 bytes");
  }

  @Test
  void truncatedBodyIsRefused() {
    byte[] body = WireCodec.encode(sample());
    byte[] truncated = java.util.Arrays.copyOf(body, body.length - 3);

    assertThatThrownBy(() -> WireCodec.decode(PushRequest.parser(), truncated, 1 << 20))
        .isInstanceOf(ProtocolException.class)
        .hasMessageStartingWith("zstd body is truncated or corrupt");
  }

  @Test
  void garbageProtobufIsRefused() {
    byte[] body = Zstd.compress(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});

    assertThatThrownBy(() -> WireCodec.decode(PushRequest.parser(), body, 1 << 20))
        .isInstanceOf(ProtocolException.class)
        .hasMessageStartingWith("body is not a valid protobuf message (3 bytes)");
  }

  /** Seeded bodies of one and of two frames, as encode writes them, against the stream decoder. */
  @Test
  void sizedFramesDecodeAsTheStreamDoes() throws Exception {
    java.util.Random random = new java.util.Random(0x51_2ed0L);
    for (int round = 0; round < 200; round++) {
      byte[] first = new byte[random.nextInt(round % 7 == 0 ? 300_000 : 3_000)];
      for (int i = 0; i < first.length; i++) {
        first[i] = (byte) random.nextInt(1 + random.nextInt(256));
      }
      byte[] second = new byte[random.nextInt(2_000)];
      random.nextBytes(second);
      byte[] one = Zstd.compress(first, 1 + random.nextInt(15));
      byte[] two = concat(one, Zstd.compress(second, 3));

      assertThat(WireCodec.decompressSized(one, 1 << 20)).isEqualTo(first);
      assertThat(WireCodec.decompressSized(two, 1 << 20)).isEqualTo(concat(first, second));
      assertThat(WireCodec.decompress(two, 1 << 20)).isEqualTo(concat(first, second));
      assertThat(WireCodec.decompressSized(two, first.length + second.length - 1))
          .as("over the limit: left to the stream, which refuses it")
          .isNull();
    }
  }

  @Test
  void bodiesWithoutStatedSizesOrWholeFramesAreLeftToTheStream() throws Exception {
    byte[] raw = "a frame written by a stream, its size not stated".getBytes();
    java.io.ByteArrayOutputStream streamed = new java.io.ByteArrayOutputStream();
    try (com.github.luben.zstd.ZstdOutputStream out =
        new com.github.luben.zstd.ZstdOutputStream(streamed)) {
      out.write(raw);
    }
    byte[] body = WireCodec.encode(sample());

    assertThat(WireCodec.decompressSized(streamed.toByteArray(), 1 << 20)).isNull();
    assertThat(WireCodec.decompress(streamed.toByteArray(), 1 << 20)).isEqualTo(raw);
    assertThat(WireCodec.decompressSized(java.util.Arrays.copyOf(body, body.length - 3), 1 << 20))
        .isNull();
    assertThat(WireCodec.decompressSized(concat(body, new byte[] {1, 2, 3, 4, 5}), 1 << 20))
        .isNull();
    assertThat(WireCodec.decompressSized(Zstd.compress(new byte[10_000_000]), 1 << 20)).isNull();
  }

  private static byte[] concat(byte[] first, byte[] second) {
    byte[] both = java.util.Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, both, first.length, second.length);
    return both;
  }
}
