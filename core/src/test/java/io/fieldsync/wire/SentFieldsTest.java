package io.fieldsync.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The journal's fields JSON is written by a streaming writer; it must print what the tree did. The
 * journal keeps the fields encoded; rendered later, they must give the JSON of the change in hand.
 */
class SentFieldsTest {
  private static final String[] TEXTS = {
    "",
    "plain",
    "quote \" and \\ backslash",
    "<html> & 'apostrophe'",
    "tab\tnew\nline\u0001",
    "ünïcödé ✓ \uD83D\uDE00",
    "\u2028\u2029",
    "[\"a\",1,{\"b\":null}]",
    "\b\f\r\u0000\u001f\u007f end",
    "\\u2028 \"\" \\\\"
  };
  private static final double[] REALS = {
    0.0, -0.0, 1.5, -2.25e-300, 1e300, Double.NaN, Double.POSITIVE_INFINITY, 3.0
  };
  private static final long[] WHOLES = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 53};

  /**
   * Random changes (a column sometimes named twice, as a rejected change may): the streamed JSON is
   * the tree's, and the encoded fields render that same JSON.
   */
  @Test
  void journalJsonOfRandomChangesMatchesTheTreeAndTheirEncoding() {
    long seed = 20261201L;
    SplittableRandom random = new SplittableRandom(seed);
    for (int n = 0; n < 3_000; n++) {
      Change change = randomChange(random);
      if (random.nextInt(5) == 0) {
        change = change.toBuilder().addFields(change.getFields(0).toBuilder().setHlc(n)).build();
      }
      String json = SentFields.json(change);
      assertThat(json)
          .as("change %d of seed %d: %s", n, seed, change)
          .isEqualTo(SentFields.tree(change));
      assertThat(SentFields.json(SentFields.encode(change)))
          .as("encoded change %d of seed %d: %s", n, seed, change)
          .isEqualTo(json);
    }
  }

  @Test
  void aChangeWithoutFieldsHasNoJsonNorEncodingAndNoEncodingRendersNoJson() {
    Change delete =
        Change.newBuilder().setTable("households").setRecordId("r1").setOp(Op.OP_DELETE).build();
    assertThat(SentFields.json(delete)).isNull();
    assertThat(SentFields.encode(delete)).isNull();
    assertThat(SentFields.json((byte[]) null)).isNull();
  }

  @Test
  void bytesThatAreNotEncodedFieldsAreRefusedNamingTheirLength() {
    assertThatThrownBy(() -> SentFields.json(new byte[] {(byte) 0xff, (byte) 0xff, 0x01}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("the 3 bytes are not encoded fields of a change: ");
  }

  @Test
  void aColumnNamedTwiceKeepsOneEntryLikeTheTree() {
    Change change =
        Change.newBuilder()
            .setTable("households")
            .setRecordId("r1")
            .setOp(Op.OP_UPDATE)
            .addFields(field("Notes", Value.newBuilder().setTextValue("first").build(), 1))
            .addFields(field("notes", Value.newBuilder().setTextValue("second").build(), 2))
            .build();
    assertThat(SentFields.json(change))
        .isEqualTo("{\"notes\":{\"value\":\"second\",\"hlc\":2}}")
        .isEqualTo(SentFields.tree(change));
  }

  private static Change randomChange(SplittableRandom random) {
    Change.Builder change =
        Change.newBuilder().setTable("visits").setRecordId("r").setOp(Op.OP_INSERT);
    int fields = 1 + random.nextInt(8);
    for (int i = 0; i < fields; i++) {
      String column = (random.nextBoolean() ? "Col" : "col") + random.nextInt(20);
      FieldChange.Builder field =
          FieldChange.newBuilder().setColumn(column).setValue(randomValue(random));
      if (random.nextInt(4) == 0) {
        field.setHlc(random.nextLong());
      }
      if (random.nextInt(4) == 0) {
        field.setDelta(WHOLES[random.nextInt(WHOLES.length)]);
      }
      for (int k = random.nextInt(3); k > 0; k--) {
        field.addAdded(TEXTS[random.nextInt(TEXTS.length)]);
      }
      for (int k = random.nextInt(3); k > 0; k--) {
        field.addRemoved(TEXTS[random.nextInt(TEXTS.length)]);
      }
      change.addFields(field);
    }
    return change.build();
  }

  private static Value randomValue(SplittableRandom random) {
    return switch (random.nextInt(5)) {
      case 0 -> Value.getDefaultInstance();
      case 1 -> Value.newBuilder().setIntValue(WHOLES[random.nextInt(WHOLES.length)]).build();
      case 2 -> Value.newBuilder().setRealValue(REALS[random.nextInt(REALS.length)]).build();
      case 3 -> Value.newBuilder().setBoolValue(random.nextBoolean()).build();
      default -> Value.newBuilder().setTextValue(TEXTS[random.nextInt(TEXTS.length)]).build();
    };
  }

  private static FieldChange field(String column, Value value, long hlc) {
    return FieldChange.newBuilder().setColumn(column).setValue(value).setHlc(hlc).build();
  }
}
