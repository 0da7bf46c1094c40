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
}
