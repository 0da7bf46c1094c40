package io.fieldsync.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ColumnTypeTest {

  @Test
  void everyInstantAsPrintedIsRecognisedAsCanonical() {
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 20_000; i++) {
      long seconds = random.nextLong(-30_610_224_000L, 253_402_300_799L); // 1000 to 9999
      int nanos =
          switch (i % 4) {
            case 0 -> 0;
            case 1 -> random.nextInt(1000) * 1_000_000;
            case 2 -> random.nextInt(1_000_000) * 1000;
            default -> random.nextInt(1_000_000_000);
          };
      String text = Instant.ofEpochSecond(seconds, nanos).toString();

      assertThat(ColumnType.isCanonicalInstant(text)).as(text).isTrue();
      assertThat(ColumnType.TIMESTAMP.coerce(text)).isEqualTo(text);
    }
  }

  @Test
  void aTimestampTheShortcutAcceptsIsOneTheFullParsePrintsUnchanged() {
    String[] samples = {
      "2026-11-22T10:15:30Z", "2026-11-22T10:15:30.100Z", "2024-02-29T23:59:59.000001Z",
      "2026-11-22T10:15:30.123456789Z", "1000-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z"
    };
    SplittableRandom random = new SplittableRandom(11);
    String alphabet = "0123456789-:.TZ+ x";
    for (int i = 0; i < 200_000; i++) {
      char[] text = samples[random.nextInt(samples.length)].toCharArray();
      int edits = 1 + random.nextInt(2);
      for (int e = 0; e < edits; e++) {
        text[random.nextInt(text.length)] = alphabet.charAt(random.nextInt(alphabet.length()));
      }
      String mutated = new String(text);
      if (ColumnType.isCanonicalInstant(mutated)) {
        assertThat(Instant.parse(mutated).toString()).as(mutated).isEqualTo(mutated);
      }
    }
  }

  @Test
  void nonCanonicalTimestampsStillTakeTheFullParse() {
    assertThat(ColumnType.isCanonicalInstant("2026-11-22T10:15:30.000Z")).isFalse();
    assertThat(ColumnType.TIMESTAMP.coerce("2026-11-22T10:15:30.000Z"))
        .isEqualTo("2026-11-22T10:15:30Z");
    assertThat(ColumnType.TIMESTAMP.coerce("2026-11-22T10:15:30.120000Z"))
        .isEqualTo("2026-11-22T10:15:30.120Z");
    assertThat(ColumnType.TIMESTAMP.coerce("2026-11-22T12:15:30+02:00"))
        .isEqualTo("2026-11-22T10:15:30Z");
    assertThat(ColumnType.TIMESTAMP.coerce("2026-11-22 10:15:30"))
        .isEqualTo("2026-11-22T10:15:30Z");
    assertThat(ColumnType.isCanonicalInstant("2023-02-29T10:15:30Z")).isFalse();
    assertThat(ColumnType.isCanonicalInstant("2026-11-22T10:15:60Z")).isFalse();
    assertThatThrownBy(() -> ColumnType.TIMESTAMP.coerce("2023-02-30T10:15:30Z"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "expected an ISO-8601 timestamp such as 2026-11-22T10:15:30Z, found"
                + " '2023-02-30T10:15:30Z'");
  }

  @Test
  void uuidsAreCanonicalOnlyInLowercaseGroupedForm() {
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < 10_000; i++) {
      String text = new UUID(random.nextLong(), random.nextLong()).toString();
      assertThat(ColumnType.isCanonicalUuid(text)).isTrue();
      assertThat(ColumnType.UUID.coerce(text)).isEqualTo(text);
    }
    // One character changed (to a neighbour of the digits or of a-f, a hyphen, another hex
    // digit, ...): canonical exactly when the JDK prints the parsed UUID back as the same text.
    String neighbours = "/09:`af{g-AF@G ";
    for (int i = 0; i < 20_000; i++) {
      char[] chars = new UUID(random.nextLong(), random.nextLong()).toString().toCharArray();
      chars[random.nextInt(36)] = neighbours.charAt(random.nextInt(neighbours.length()));
      String text = new String(chars);
      assertThat(ColumnType.isCanonicalUuid(text)).as(text).isEqualTo(printsBackAsItself(text));
    }
    String upper = "0192F1A2-7B3C-7D4E-8F50-1234567890AB";
    assertThat(ColumnType.isCanonicalUuid(upper)).isFalse();
    assertThat(ColumnType.UUID.coerce(upper)).isEqualTo(upper.toLowerCase(java.util.Locale.ROOT));
    assertThat(ColumnType.isCanonicalUuid("0192f1a2-7b3c-7d4e-8f50-1234567890ag")).isFalse();
    assertThat(ColumnType.isCanonicalUuid("0192f1a2x7b3c-7d4e-8f50-1234567890ab")).isFalse();
    assertThatThrownBy(() -> ColumnType.UUID.coerce("0192f1a2-7b3c-7d4e-8f50-1234567890ag"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected uuid, found text '0192f1a2-7b3c-7d4e-8f50-1234567890ag'");
  }

  private static boolean printsBackAsItself(String text) {
    try {
      return UUID.fromString(text).toString().equals(text);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
