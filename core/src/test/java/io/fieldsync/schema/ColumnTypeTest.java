package io.fieldsync.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The hand-written fast paths of {@link ColumnType#coerce} agree with the library parsers. */
class ColumnTypeTest {
  private static final long SEED = 20261201L;

  @Test
  void everyInstantToStringIsRecognisedAsCanonical() {
    SplittableRandom random = new SplittableRandom(SEED);
    long first = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
    long last = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
    for (int n = 0; n < 20_000; n++) {
      int nanos =
          switch (random.nextInt(4)) {
            case 0 -> 0;
            case 1 -> random.nextInt(1000) * 1_000_000;
            case 2 -> random.nextInt(1_000_000) * 1000;
            default -> random.nextInt(1_000_000_000);
          };
      String text = Instant.ofEpochSecond(random.nextLong(first, last + 1), nanos).toString();
      assertThat(ColumnType.isCanonicalInstant(text)).as("seed %d: %s", SEED, text).isTrue();
      assertThat(ColumnType.TIMESTAMP.coerce(text)).isEqualTo(text);
    }
  }

  @Test
  void textTheFastPathAcceptsIsExactlyWhatInstantPrints() {
    List<String> near =
        List.of(
            "2026-11-22T10:15:30Z",
            "2026-11-22T10:15:30.000Z",
            "2026-11-22T10:15:30.100Z",
            "2026-11-22T10:15:30.100000Z",
            "2026-11-22T10:15:30.123456000Z",
            "2026-11-22T10:15:30.12Z",
            "2026-11-22T10:15:30.1234Z",
            "2026-11-22T10:15:60Z",
            "2026-11-22T23:59:60Z",
            "2026-11-22T24:00:00Z",
            "2026-02-29T00:00:00Z",
            "2024-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2000-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-00-10T00:00:00Z",
            "2026-13-10T00:00:00Z",
            "2026-11-22t10:15:30Z",
            "2026-11-22T10:15:30z",
            "2026-11-22 10:15:30Z",
            "2026-11-22T10:15:30+00:00",
            "+2026-11-22T10:15:30Z",
            "2026-1a-22T10:15:30Z",
            "0000-01-01T00:00:00Z");
    SplittableRandom random = new SplittableRandom(SEED);
    for (int n = 0; n < 20_000; n++) {
      char[] text = near.get(random.nextInt(near.size())).toCharArray();
      text[random.nextInt(text.length)] = "0123456789-:.TZ+ x".charAt(random.nextInt(18));
      check(new String(text));
    }
    near.forEach(ColumnTypeTest::check);
  }

  private static void check(String text) {
    if (!ColumnType.isCanonicalInstant(text)) {
      return;
    }
    String parsed;
    try {
      parsed = Instant.parse(text).toString();
    } catch (DateTimeParseException e) {
      throw new AssertionError("seed " + SEED + ": accepted '" + text + "' that Instant refuses");
    }
    assertThat(parsed).as("seed %d", SEED).isEqualTo(text);
  }

  @Test
  void nonCanonicalTimestampsAreStillCanonicalised() {
    assertThat(ColumnType.TIMESTAMP.coerce("2026-11-22T10:15:30.000Z"))
        .isEqualTo("2026-11-22T10:15:30Z");
    assertThat(ColumnType.TIMESTAMP.coerce("2026-11-22T11:15:30.100000+01:00"))
        .isEqualTo("2026-11-22T10:15:30.100Z");
    assertThat(ColumnType.TIMESTAMP.coerce("2026-11-22 10:15:30"))
        .isEqualTo("2026-11-22T10:15:30Z");
    assertThatThrownBy(() -> ColumnType.TIMESTAMP.coerce("2026-02-29T00:00:00Z"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "expected an ISO-8601 timestamp such as 2026-11-22T10:15:30Z, found"
                + " '2026-02-29T00:00:00Z'");
  }

  @Test
  void uuidsComeOutLowerCaseWhateverTheFastPath() {
    SplittableRandom random = new SplittableRandom(SEED);
    for (int n = 0; n < 1_000; n++) {
      String id = new UUID(random.nextLong(), random.nextLong()).toString();
      assertThat(ColumnType.UUID.coerce(id)).isEqualTo(id);
      assertThat(ColumnType.UUID.coerce(id.toUpperCase(java.util.Locale.ROOT))).isEqualTo(id);
    }
    assertThatThrownBy(() -> ColumnType.UUID.coerce("0000000g-0000-0000-0000-000000000000"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("expected uuid, found text '0000000g-");
  }
}
