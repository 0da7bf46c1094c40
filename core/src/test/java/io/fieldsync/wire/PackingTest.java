package io.fieldsync.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.fieldsync.ProtocolException;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PackingTest {
  private static final String ID1 = "0190f3a4-0000-7000-8000-000000000001";
  private static final String ID2 = "0190f3a4-0000-7000-8000-0000000000ff";

  private static Value text(String text) {
    return Value.newBuilder().setTextValue(text).build();
  }

  private static Value real(double real) {
    return Value.newBuilder().setRealValue(real).build();
  }

  private static PushRequest push() {
    return PushRequest.newBuilder()
        .setBatchId("b-1")
        .setSchemaVersion(1)
        .setDeviceHlc(99)
        .addChanges(
            Change.newBuilder()
                .setTable("households")
                .setRecordId(ID1)
                .setOp(Op.OP_UPDATE)
                .setBaseSeq(42)
                .setHlc(7)
                .addFields(
                    FieldChange.newBuilder()
                        .setColumn("visit_count")
                        .setValue(Values.toWire(3L))
                        .setDelta(1)
                        .setHlc(7))
                .addFields(
                    FieldChange.newBuilder()
                        .setColumn("tags")
                        .setValue(text("[\"a\"]"))
                        .addAdded("\"a\"")
                        .addRemoved("\"b\"")
                        .addRemoved("\"c\"")
                        .setHlc(6)))
        .addChanges(
            Change.newBuilder()
                .setTable("visits")
                .setRecordId("not-a-uuid")
                .setOp(Op.OP_INSERT)
                .setBaseSeq(40)
                .setHlc(-5)
                .addFields(
                    FieldChange.newBuilder()
                        .setColumn("temperature")
                        .setValue(real(36.6))
                        .setHlc(5))
                .addFields(
                    FieldChange.newBuilder()
                        .setColumn("ok")
                        .setValue(Values.toWire(true))
                        .setHlc(Long.MAX_VALUE))
                .addFields(
                    FieldChange.newBuilder()
                        .setColumn("note")
                        .setValue(Value.getDefaultInstance())
                        .setHlc(Long.MIN_VALUE)))
        .addChanges(
            Change.newBuilder()
                .setTable("households")
                // uppercase: not canonical, so it travels as text and comes back as sent
                .setRecordId(ID2.toUpperCase())
                .setOp(Op.OP_DELETE)
                .setHlc(8))
        .build();
  }

  private static PullResponse pull() {
    return PullResponse.newBuilder()
        .setNextCursor(12)
        .setSequence(12)
        .setServerHlc(77)
        .addRecords(
            Record.newBuilder()
                .setTable("households")
                .setRecordId(ID1)
                .setSeq(11)
                .addFields(
                    Field.newBuilder().setColumn("head_name").setValue(text("Awa")).setHlc(70))
                .addFields(Field.newBuilder().setColumn("latitude").setValue(real(-17.123456))))
        .addRecords(
            Record.newBuilder()
                .setTable("visits")
                .setRecordId(ID2)
                .setSeq(9)
                .addFields(
                    Field.newBuilder().setColumn("temperature").setValue(real(Math.PI)).setHlc(71))
                .addFields(
                    Field.newBuilder().setColumn("follow_up").setValue(Values.toWire(false))))
        .addRecords(
            Record.newBuilder()
                .setTable("households")
                .setRecordId("h-7")
                .setSeq(12)
                .setDeleted(true))
        .addRecords(
            Record.newBuilder().setTable("visits").setRecordId(ID1).setSeq(3).setAbsent(true))
        .build();
  }

  @Test
  void packedPushRequestCarriesNoChangesAndUnpacksToTheSameRequest() {
    PushRequest packed = Packing.pack(push());

    assertThat(packed.getChangesCount()).isZero();
    assertThat(packed.getPacked().getIds().getUuids().size()).isEqualTo(16);
    assertThat(packed.getPacked().getIds().getTextsList())
        .containsExactly("not-a-uuid", ID2.toUpperCase());
    assertThat(Packing.unpack(packed)).isEqualTo(push());
  }

  @Test
  void packedPullResponseUnpacksToTheSameResponse() {
    PullResponse packed = Packing.pack(pull());

    assertThat(packed.getRecordsCount()).isZero();
    assertThat(Packing.unpack(packed)).isEqualTo(pull());
    assertThat(WireCodec.decode(PullResponse.parser(), WireCodec.encode(packed), 1 << 20))
        .isEqualTo(packed);
  }

  /** Golden bytes: a change here breaks every deployed device, so it must be deliberate. */
  @Test
  void packedPullEncodingIsStable() {
    String golden =
        "100c204d280c32cc010a210a0a686f757365686f6c64731209686561645f"
            + "6e616d6512086c617469747564650a200a06766973697473120b74656d70"
            + "657261747572651209666f6c6c6f775f75701204000100011a3d0a300101"
            + "01909090f3f3f3a4a4a40000000000007070700000008080800000000000"
            + "0000000000000000000000000001ff011204000001001a03682d37220400"
            + "0001022a04160306113204020200003a040001000142088c018b018e018d"
            + "014a1e0a04030602051204ffa1aa101a08182d4454fb2109402203417761"
            + "2a0106";

    assertThat(HexFormat.of().formatHex(Packing.pack(pull()).toByteArray())).isEqualTo(golden);
  }

  @Test
  void realsWithFewDecimalsTravelAsDigitsAndEveryOtherRealExactly() {
    double[] reals = {
      0.0,
      -0.0,
      12.5,
      36.6,
      -17.123456,
      0.1,
      80.9,
      1e15,
      1e-9,
      123456789.123,
      Math.PI,
      Double.MIN_VALUE,
      Double.MAX_VALUE,
      Double.NaN,
      Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY
    };
    PullResponse.Builder response = PullResponse.newBuilder();
    for (double value : reals) {
      response.addRecords(
          Record.newBuilder()
              .setTable("t")
              .setRecordId("r")
              .addFields(Field.newBuilder().setColumn("c").setValue(real(value))));
    }
    PullResponse packed = Packing.pack(response.build());

    assertThat(packed.getPacked().getValues().getScalesList())
        .containsExactly(0, 1, 1, 6, 1, 1, 9, 3);
    assertThat(Packing.unpack(packed)).isEqualTo(response.build());
    for (int i = 0; i < reals.length; i++) {
      assertThat(
              Double.doubleToRawLongBits(
                  Packing.unpack(packed).getRecords(i).getFields(0).getValue().getRealValue()))
          .as("real %s", reals[i])
          .isEqualTo(Double.doubleToRawLongBits(reals[i]));
    }
  }

  @Test
  void randomMessagesRoundTrip() {
    long seed = new SplittableRandom().nextLong();
    SplittableRandom random = new SplittableRandom(seed);
    for (int round = 0; round < 200; round++) {
      PullResponse.Builder response = PullResponse.newBuilder().setNextCursor(round);
      PushRequest.Builder request = PushRequest.newBuilder().setBatchId("b" + round);
      int records = random.nextInt(20);
      for (int i = 0; i < records; i++) {
        String table = "t" + random.nextInt(3);
        String id =
            random.nextBoolean()
                ? new UUID(random.nextLong(), random.nextLong()).toString()
                : "id-" + random.nextInt(100);
        Record.Builder record =
            Record.newBuilder()
                .setTable(table)
                .setRecordId(id)
                .setSeq(random.nextLong())
                .setDeleted(random.nextInt(5) == 0)
                .setAbsent(random.nextInt(9) == 0)
                .setEvicted(random.nextInt(7) == 0);
        Change.Builder change =
            Change.newBuilder()
                .setTable(table)
                .setRecordId(id)
                .setOpValue(random.nextInt(4))
                .setHlc(random.nextLong())
                .setBaseSeq(random.nextLong(1000));
        int fields = random.nextInt(5);
        for (int f = 0; f < fields; f++) {
          String column = "c" + random.nextInt(6);
          Value value = randomValue(random);
          long hlc = random.nextLong();
          record.addFields(Field.newBuilder().setColumn(column).setValue(value).setHlc(hlc));
          FieldChange.Builder field =
              FieldChange.newBuilder()
                  .setColumn(column)
                  .setValue(value)
                  .setHlc(hlc)
                  .setDelta(random.nextInt(3) - 1);
          for (int e = random.nextInt(3); e > 0; e--) {
            field.addAdded("\"a" + random.nextInt(9) + "\"");
          }
          for (int e = random.nextInt(3); e > 0; e--) {
            field.addRemoved("\"r" + random.nextInt(9) + "\"");
          }
          change.addFields(field);
        }
        response.addRecords(record);
        request.addChanges(change);
      }
      assertThat(Packing.unpack(Packing.pack(response.build())))
          .as("seed %d round %d", seed, round)
          .isEqualTo(response.build());
      assertThat(Packing.unpack(Packing.pack(request.build())))
          .as("seed %d round %d", seed, round)
          .isEqualTo(request.build());
    }
  }

  private static Value randomValue(SplittableRandom random) {
    return switch (random.nextInt(6)) {
      case 0 -> Value.getDefaultInstance();
      case 1 -> Values.toWire(random.nextLong());
      case 2 -> real(Math.round(random.nextDouble() * 1e6) / 1e3);
      case 3 -> real(Double.longBitsToDouble(random.nextLong()));
      case 4 -> text("text " + random.nextInt());
      default -> Values.toWire(random.nextBoolean());
    };
  }

  @Test
  void listsThatWouldHoldOnlyZerosAreLeftEmptyAndReadAsZeros() {
    PullResponse live =
        PullResponse.newBuilder()
            .addRecords(pull().getRecords(0))
            .addRecords(pull().getRecords(1))
            .build();
    PushRequest plain =
        PushRequest.newBuilder().setBatchId("b-2").addChanges(push().getChanges(1)).build();

    PackedRecords records = Packing.pack(live).getPacked();
    PackedChanges changes = Packing.pack(plain).getPacked();

    assertThat(records.getFlagsCount()).isZero();
    assertThat(records.getIds().getIsTextCount()).isZero();
    assertThat(changes.getDeltasCount()).isZero();
    assertThat(changes.getAddedCountsCount()).isZero();
    assertThat(changes.getRemovedCountsCount()).isZero();
    assertThat(changes.getIds().getIsTextCount()).isEqualTo(1);
    assertThat(Packing.unpack(Packing.pack(live))).isEqualTo(live);
    assertThat(Packing.unpack(Packing.pack(plain))).isEqualTo(plain);
  }

  @Test
  void messagesWithoutRecordsOrChangesStayAsTheyAre() {
    PullResponse empty = PullResponse.newBuilder().setNextCursor(5).build();
    SchemaResponse other = SchemaResponse.newBuilder().setTenant("acme").build();

    assertThat(Packing.pack(empty)).isSameAs(empty);
    assertThat(Packing.unpack(other)).isSameAs(other);
    assertThat(Packing.unpack(push())).isEqualTo(push());
  }

  @Test
  void packedAndPlainTogetherAreRefused() {
    PushRequest both = Packing.pack(push()).toBuilder().addChanges(push().getChanges(0)).build();

    assertThatThrownBy(() -> Packing.unpack(both))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("PushRequest.packed and PushRequest.changes are both set; send one of them");
  }

  @Test
  void listsOfTheWrongLengthAreRefusedNamingTheList() {
    PushRequest packed = Packing.pack(push());
    PushRequest shortOps =
        packed.toBuilder().setPacked(packed.getPacked().toBuilder().clearOps().addOps(2)).build();

    assertThatThrownBy(() -> Packing.unpack(shortOps))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("PushRequest.packed.ops has 1 entries, expected 3");

    PullResponse pulled = Packing.pack(pull());
    PullResponse moreFields =
        pulled.toBuilder()
            .setPacked(pulled.getPacked().toBuilder().setFieldCounts(0, 5).build())
            .build();

    assertThatThrownBy(() -> Packing.unpack(moreFields))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("PullResponse.packed.columns has 4 entries, expected 7");
  }

  @Test
  void badIdsNamesKindsAndScalesAreRefused() {
    PullResponse packed = Packing.pack(pull());
    PackedRecords records = packed.getPacked();

    assertThatThrownBy(
            () ->
                Packing.unpack(
                    packed.toBuilder()
                        .setPacked(
                            records.toBuilder()
                                .setIds(
                                    records.getIds().toBuilder()
                                        .setUuids(ByteString.copyFrom(new byte[31]))))
                        .build()))
        .isInstanceOf(ProtocolException.class)
        .hasMessage(
            "PullResponse.packed.ids.uuids has 31 bytes, expected 16 for each of 3 UUID ids");
    assertThatThrownBy(
            () ->
                Packing.unpack(
                    packed.toBuilder().setPacked(records.toBuilder().setTables(1, 7)).build()))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("PullResponse.packed.tables refers to table 7, but names has 2");
    assertThatThrownBy(
            () ->
                Packing.unpack(
                    packed.toBuilder().setPacked(records.toBuilder().setColumns(0, 9)).build()))
        .isInstanceOf(ProtocolException.class)
        .hasMessage(
            "PullResponse.packed.columns refers to column 9 of table 'households', which names 2");
    assertThatThrownBy(
            () ->
                Packing.unpack(
                    packed.toBuilder()
                        .setPacked(
                            records.toBuilder()
                                .setValues(records.getValues().toBuilder().setKinds(0, 9)))
                        .build()))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("PullResponse.packed.values.kinds[0] is 9; known kinds are 0 to 6");
    assertThatThrownBy(
            () ->
                Packing.unpack(
                    packed.toBuilder()
                        .setPacked(
                            records.toBuilder()
                                .setValues(records.getValues().toBuilder().setScales(0, 10)))
                        .build()))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("PullResponse.packed.values.scales[0] is 10; scales are 0 to 9");
    assertThatThrownBy(
            () ->
                Packing.unpack(
                    packed.toBuilder().setPacked(records.toBuilder().setFlags(0, 8)).build()))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("PullResponse.packed.flags[0] is 8; only bits 0-2");
  }

  @Test
  void onlyCanonicalLowercaseUuidsTravelAsBytes() {
    long[] out = new long[2];

    assertThat(IdPlanes.parseCanonicalUuid(ID1, out, 0)).isTrue();
    assertThat(new UUID(out[0], out[1]).toString()).isEqualTo(ID1);
    assertThat(IdPlanes.parseCanonicalUuid(ID1.toUpperCase(), out, 0)).isFalse();
    assertThat(IdPlanes.parseCanonicalUuid("1-1-1-1-1", out, 0)).isFalse();
    assertThat(IdPlanes.parseCanonicalUuid(ID1.replace('-', '+'), out, 0)).isFalse();
    assertThat(IdPlanes.parseCanonicalUuid(ID1 + "0", out, 0)).isFalse();
  }

  @Test
  void recordsWrittenWithJavaValuesUnpackAsRecordsBuiltWithTheirWireValues() {
    Object[] values = {
      null,
      0L,
      -1L,
      Long.MAX_VALUE,
      Long.MIN_VALUE,
      7,
      Integer.MIN_VALUE,
      12.5,
      -17.123456,
      36.6,
      0.0,
      -0.0,
      3.0,
      1e300,
      Math.PI,
      Double.NaN,
      Double.NEGATIVE_INFINITY,
      "",
      "Awa",
      "名前 😀",
      true,
      false
    };
    Packing.RecordsWriter writer = new Packing.RecordsWriter();
    PullResponse.Builder expected = PullResponse.newBuilder().setNextCursor(40).setHasMore(true);
    for (int i = 0; i < values.length; i++) {
      writer.record("households", i % 2 == 0 ? ID1 : "h-" + i, 10 + i, false, false, false);
      writer.field("head_name", 70 + i, values[i]);
      expected.addRecords(
          Record.newBuilder()
              .setTable("households")
              .setRecordId(i % 2 == 0 ? ID1 : "h-" + i)
              .setSeq(10 + i)
              .addFields(
                  Field.newBuilder()
                      .setColumn("head_name")
                      .setValue(Values.toWire(values[i]))
                      .setHlc(70 + i)));
    }
    writer.record("visits", ID2, 3, true, false, false);
    writer.record("visits", "v-9", 2, false, true, false);
    writer.record("households", ID2, 1, true, false, true);
    expected
        .addRecords(
            Record.newBuilder().setTable("visits").setRecordId(ID2).setSeq(3).setDeleted(true))
        .addRecords(
            Record.newBuilder().setTable("visits").setRecordId("v-9").setSeq(2).setAbsent(true))
        .addRecords(
            Record.newBuilder()
                .setTable("households")
                .setRecordId(ID2)
                .setSeq(1)
                .setDeleted(true)
                .setEvicted(true));

    PullResponse written =
        writer.into(PullResponse.newBuilder().setNextCursor(40).setHasMore(true)).build();

    assertThat(writer.records()).isEqualTo(values.length + 3);
    assertThat(written.getRecordsCount()).isZero();
    assertThat(Packing.unpack(written)).isEqualTo(Packing.unpack(Packing.pack(expected.build())));
    assertThat(Packing.unpack(written)).isEqualTo(expected.build());
    for (int i = 0; i < values.length; i++) {
      if (values[i] instanceof Double real) {
        assertThat(
                Double.doubleToRawLongBits(
                    Packing.unpack(written).getRecords(i).getFields(0).getValue().getRealValue()))
            .as("real %s", real)
            .isEqualTo(Double.doubleToRawLongBits(real));
      }
    }
  }

  @Test
  void randomRecordsWrittenWithJavaValuesUnpackAsPackedRecords() {
    long baseSeed = 0x9ac4_1a9L;
    for (int round = 0; round < 500; round++) {
      long seed = baseSeed + round;
      Random random = new Random(seed);
      Packing.RecordsWriter writer = new Packing.RecordsWriter();
      PullResponse.Builder expected = PullResponse.newBuilder().setNextCursor(round);
      int records = random.nextInt(12);
      long seq = random.nextInt(1000);
      for (int i = 0; i < records; i++) {
        String table = "t" + random.nextInt(3);
        String id =
            random.nextBoolean()
                ? new UUID(random.nextLong(), random.nextLong()).toString()
                : "id-" + random.nextInt(100);
        seq += random.nextInt(5) - 1;
        boolean deleted = random.nextInt(5) == 0;
        boolean absent = random.nextInt(9) == 0;
        boolean evicted = random.nextInt(7) == 0;
        writer.record(table, id, seq, deleted, absent, evicted);
        Record.Builder record =
            Record.newBuilder()
                .setTable(table)
                .setRecordId(id)
                .setSeq(seq)
                .setDeleted(deleted)
                .setAbsent(absent)
                .setEvicted(evicted);
        for (int f = random.nextInt(5); f > 0; f--) {
          String column = "c" + random.nextInt(6);
          long hlc = random.nextBoolean() ? random.nextLong() : random.nextInt(3);
          Object value = randomJavaValue(random);
          writer.field(column, hlc, value);
          record.addFields(
              Field.newBuilder().setColumn(column).setValue(Values.toWire(value)).setHlc(hlc));
        }
        expected.addRecords(record);
      }

      PullResponse written = writer.into(PullResponse.newBuilder().setNextCursor(round)).build();

      assertThat(Packing.unpack(written))
          .as("seed %d", seed)
          .isEqualTo(Packing.unpack(Packing.pack(expected.build())))
          .isEqualTo(expected.build());
    }
  }

  private static Object randomJavaValue(Random random) {
    return switch (random.nextInt(9)) {
      case 0 -> null;
      case 1 -> random.nextLong();
      case 2 -> random.nextInt();
      case 3 -> Math.round(random.nextDouble() * 1e6) / 1e3;
      case 4 -> (double) random.nextInt(1000);
      case 5 -> Double.longBitsToDouble(random.nextLong());
      case 6 -> "text " + random.nextInt();
      case 7 -> "";
      default -> random.nextBoolean();
    };
  }

  @Test
  void aFieldBeforeAnyRecordIsRefused() {
    Packing.RecordsWriter writer = new Packing.RecordsWriter();

    assertThatThrownBy(() -> writer.field("head_name", 1, (Object) "Awa"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("a field needs a record: call record() first");
    assertThatThrownBy(() -> writer.field("head_name", 1, text("Awa")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("a field needs a record: call record() first");
  }

  @Test
  void aJavaValueWithoutAWireFormIsRefusedNamingItsClass() {
    Packing.RecordsWriter writer = new Packing.RecordsWriter();
    writer.record("households", ID1, 1, false, false, false);

    assertThatThrownBy(() -> writer.field("temperature", 1, (Object) 36.6f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no wire form for java.lang.Float");
    assertThatThrownBy(() -> writer.field("tags", 1, (Object) List.of("a")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("no wire form for java.util.");
  }

  @Test
  void anEmptyWriterLeavesTheResponseWithoutPacked() {
    Packing.RecordsWriter writer = new Packing.RecordsWriter();
    PullResponse.Builder response = PullResponse.newBuilder().setNextCursor(5).setHasMore(false);

    assertThat(writer.into(response)).isSameAs(response);
    assertThat(writer.records()).isZero();
    assertThat(response.hasPacked()).isFalse();
    assertThat(response.build()).isEqualTo(PullResponse.newBuilder().setNextCursor(5).build());
  }
}
