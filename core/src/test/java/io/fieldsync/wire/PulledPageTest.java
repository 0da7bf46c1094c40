package io.fieldsync.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.ProtocolException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A page read from its packed columns holds exactly the records it was packed from, in order, each
 * field with its column, stamp and value as {@link Values#fromWire} reads it; a page of messages
 * reads the same; and a malformed packed page is refused as {@link Packing#unpack} refuses it.
 */
class PulledPageTest {

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void aPackedPageReadsAsTheRecordsItWasPackedFrom(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    for (int round = 0; round < 100; round++) {
      List<Record> records = randomRecords(random);
      PullResponse packed =
          Packing.pack(PullResponse.newBuilder().addAllRecords(records).setHasMore(true).build());

      for (PulledPage page : List.of(PulledPage.of(packed), PulledPage.of(records))) {
        assertThat(page.size()).as("seed %d round %d", seed, round).isEqualTo(records.size());
        List<Record> read = new ArrayList<>();
        for (int i = 0; i < page.size(); i++) {
          Record record = records.get(i);
          assertThat(page.table(i)).isEqualTo(record.getTable());
          assertThat(page.recordId(i)).isEqualTo(record.getRecordId());
          assertThat(page.seq(i)).isEqualTo(record.getSeq());
          assertThat(page.deleted(i)).isEqualTo(record.getDeleted());
          assertThat(page.absent(i)).isEqualTo(record.getAbsent());
          assertThat(page.evicted(i)).isEqualTo(record.getEvicted());
          assertThat(page.endField(i) - page.firstField(i)).isEqualTo(record.getFieldsCount());
          for (int f = 0; f < record.getFieldsCount(); f++) {
            Field field = record.getFields(f);
            int at = page.firstField(i) + f;
            assertThat(page.column(at)).isEqualTo(field.getColumn());
            assertThat(page.hlc(at)).isEqualTo(field.getHlc());
            assertThat(page.value(at))
                .as("seed %d round %d record %d field %d", seed, round, i, f)
                .isEqualTo(Values.fromWire(field.getValue()));
          }
          read.add(page.record(i));
        }
        assertThat(read).as("seed %d round %d", seed, round).isEqualTo(records);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {11, 12, 13})
  void aMalformedPackedPageIsRefusedAsUnpackingRefusesIt(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int refused = 0;
    for (int round = 0; round < 200; round++) {
      List<Record> records = randomRecords(random);
      if (records.isEmpty()) {
        continue;
      }
      PullResponse packed = Packing.pack(PullResponse.newBuilder().addAllRecords(records).build());
      PackedRecords.Builder broken = packed.getPacked().toBuilder();
      switch (random.nextInt(5)) {
        case 0 -> broken.addSeqs(1);
        case 1 -> broken.setTables(0, broken.getNamesCount());
        case 2 -> broken.setFieldCounts(0, broken.getFieldCounts(0) + 1);
        case 3 -> broken.addHlcs(5);
        default -> broken.setValues(broken.getValues().toBuilder().addKinds(9));
      }
      PullResponse bad = packed.toBuilder().setPacked(broken).build();
      Throwable unpacking = catchProtocol(() -> Packing.unpack(bad));
      Throwable reading = catchProtocol(() -> PulledPage.of(bad));
      assertThat(reading).as("seed %d round %d", seed, round).isNotNull();
      assertThat(reading.getMessage()).isEqualTo(unpacking.getMessage());
      refused++;
    }
    assertThat(refused).isPositive();
  }

  @ParameterizedTest
  @ValueSource(longs = {21})
  void packedAndPlainRecordsTogetherAreRefused(long seed) {
    List<Record> records = List.of();
    SplittableRandom random = new SplittableRandom(seed);
    while (records.isEmpty()) {
      records = randomRecords(random);
    }
    PullResponse both = Packing.pack(PullResponse.newBuilder().addAllRecords(records).build());
    PullResponse bad = both.toBuilder().addRecords(records.get(0)).build();

    assertThatThrownBy(() -> PulledPage.of(bad))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("PullResponse.packed and PullResponse.records are both set; send one of them");
  }

  private static Throwable catchProtocol(Runnable action) {
    try {
      action.run();
      return null;
    } catch (ProtocolException e) {
      return e;
    }
  }

  private static List<Record> randomRecords(SplittableRandom random) {
    List<Record> records = new ArrayList<>();
    long seq = random.nextLong(1_000_000);
    for (int i = random.nextInt(30); i > 0; i--) {
      seq += 1 + random.nextInt(1000);
      Record.Builder record =
          Record.newBuilder()
              .setTable("t" + random.nextInt(3))
              .setRecordId(
                  random.nextInt(4) > 0
                      ? new UUID(random.nextLong(), random.nextLong()).toString()
                      : "id-" + random.nextInt(100))
              .setSeq(seq)
              .setDeleted(random.nextInt(6) == 0)
              .setAbsent(random.nextInt(9) == 0)
              .setEvicted(random.nextInt(9) == 0);
      for (int f = random.nextInt(6); f > 0; f--) {
        record.addFields(
            Field.newBuilder()
                .setColumn("c" + random.nextInt(8))
                .setHlc(random.nextLong())
                .setValue(randomValue(random)));
      }
      records.add(record.build());
    }
    return records;
  }

  private static Value randomValue(SplittableRandom random) {
    return switch (random.nextInt(8)) {
      case 0 -> Value.getDefaultInstance();
      case 1 -> Values.toWire(random.nextLong());
      case 2 -> Values.toWire(random.nextInt(-100_000, 100_000) / 100.0);
      case 3 -> Values.toWire(Double.longBitsToDouble(random.nextLong()));
      case 4 -> Values.toWire("text " + random.nextInt() + " é 東 😀");
      case 5 -> Values.toWire("");
      case 6 -> Values.toWire(0L);
      default -> Values.toWire(random.nextBoolean());
    };
  }
}
