package io.fieldsync.schema;

import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Column types a schema may declare. Each type has one canonical Java form, used by the engine, the
 * stores and the wire: {@code uuid}, {@code text}, {@code timestamp} and {@code json} are {@link
 * String}, {@code integer} is {@link Long}, {@code real} is {@link Double}, {@code boolean} is
 * {@link Boolean}. SQL NULL is {@code null}.
 */
public enum ColumnType {
  UUID("TEXT"),
  TEXT("TEXT"),
  INTEGER("INTEGER"),
  REAL("REAL"),
  BOOLEAN("INTEGER"),
  /** An instant, canonically ISO-8601 in UTC ({@code 2026-11-22T10:15:30Z}). */
  TIMESTAMP("TEXT"),
  /** A JSON document stored as text; {@code union} columns hold a JSON array. */
  JSON("TEXT");

  private final String sqliteType;

  ColumnType(String sqliteType) {
    this.sqliteType = sqliteType;
  }

  /** The declared type of the column in a SQLite table. */
  public String sqliteType() {
    return sqliteType;
  }

  /** The name used in schema files and on the wire. */
  public String schemaName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ColumnType fromSchemaName(String name) {
    for (ColumnType type : values()) {
      if (type.schemaName().equals(name)) {
        return type;
      }
    }
    throw new IllegalArgumentException(
        "unknown type '"
            + name
            + "' (expected uuid, text, integer, real, boolean, timestamp or json)");
  }

  /** Whether values of this type have an order that {@code max} and {@code min} can use. */
  public boolean isOrdered() {
    return this == INTEGER || this == REAL || this == TIMESTAMP || this == TEXT;
  }

  public boolean isNumeric() {
    return this == INTEGER || this == REAL;
  }

  /**
   * Converts a value as read from SQLite, JSON or the wire into this type's canonical form.
   *
   * @throws IllegalArgumentException naming the expected type and what was found
   */
  public Object coerce(Object value) {
    if (value == null) {
      return null;
    }
    switch (this) {
      case UUID:
        if (value instanceof String text) {
          if (isCanonicalUuid(text)) {
            return text;
          }
          try {
            String canonical = java.util.UUID.fromString(text).toString();
            if (canonical.equalsIgnoreCase(text)) {
              return canonical;
            }
          } catch (IllegalArgumentException e) {
            // fall through to the error below
          }
        }
        throw mismatch(value);
      case TEXT:
        if (value instanceof String) {
          return value;
        }
        throw mismatch(value);
      case INTEGER:
        if (value instanceof Long) {
          return value;
        }
        if (value instanceof Integer number) {
          return number.longValue();
        }
        if (value instanceof Double number && isWhole(number)) {
          return number.longValue();
        }
        throw mismatch(value);
      case REAL:
        if (value instanceof Double number) {
          if (number.isNaN() || number.isInfinite()) {
            throw new IllegalArgumentException("expected a finite real, found " + number);
          }
          return number;
        }
        if (value instanceof Long number) {
          return number.doubleValue();
        }
        if (value instanceof Integer number) {
          return number.doubleValue();
        }
        throw mismatch(value);
      case BOOLEAN:
        if (value instanceof Boolean) {
          return value;
        }
        if (value instanceof Long number && (number == 0L || number == 1L)) {
          return number == 1L;
        }
        if (value instanceof Integer number && (number == 0 || number == 1)) {
          return number == 1;
        }
        throw mismatch(value);
      case TIMESTAMP:
        if (value instanceof String text) {
          return isCanonicalInstant(text) ? text : canonicalInstant(text).toString();
        }
        throw mismatch(value);
      case JSON:
        if (value instanceof String text) {
          try {
            JsonParser.parseString(text);
            return text;
          } catch (JsonParseException e) {
            throw new IllegalArgumentException("expected JSON text, found malformed JSON", e);
          }
        }
        throw mismatch(value);
      default:
        throw new AssertionError(this);
    }
  }

  private static boolean isWhole(Double number) {
    return !number.isInfinite() && number == Math.rint(number) && Math.abs(number) < 0x1p53;
  }

  /**
   * Whether {@code text} is already what {@code UUID.fromString(text).toString()} gives: 36
   * characters, lowercase hex in 8-4-4-4-12 groups. Stored and pulled ids almost always are, and
   * this check costs far less than the round trip.
   */
  static boolean isCanonicalUuid(String text) {
    // The hyphens first, then each group in a loop of its own: a third of the time of one loop
    // asking per character whether it is a hyphen's place (every pulled id passes here).
    return text.length() == 36
        && text.charAt(8) == '-'
        && text.charAt(13) == '-'
        && text.charAt(18) == '-'
        && text.charAt(23) == '-'
        && isLowerHex(text, 0, 8)
        && isLowerHex(text, 9, 13)
        && isLowerHex(text, 14, 18)
        && isLowerHex(text, 19, 23)
        && isLowerHex(text, 24, 36);
  }

  /** Whether the characters from {@code from} to {@code to} are all 0-9 or a-f. */
  private static boolean isLowerHex(String text, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      // Unsigned: a character below '0' (or 'a') wraps around to a large value.
      if ((char) (c - '0') > 9 && (char) (c - 'a') > 5) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether {@code text} is already what {@code Instant.toString()} prints for it, so the parse and
   * print of {@link #coerce} would return it unchanged: {@code yyyy-MM-ddTHH:mm:ssZ} with a year
   * from 1000 to 9999, a valid date and time (no leap second), and a fraction of 3, 6 or 9 digits
   * whose last group of three is not {@code 000} (Instant prints the shortest such group). Anything
   * else takes the full parse. Timestamps are re-read on every pull, where parsing them was a
   * measurable share of the work.
   */
  static boolean isCanonicalInstant(String text) {
    int length = text.length();
    if (length != 20 && length != 24 && length != 27 && length != 30) {
      return false;
    }
    if (text.charAt(4) != '-'
        || text.charAt(7) != '-'
        || text.charAt(10) != 'T'
        || text.charAt(13) != ':'
        || text.charAt(16) != ':'
        || text.charAt(length - 1) != 'Z') {
      return false;
    }
    int year = digits(text, 0, 4);
    int month = digits(text, 5, 2);
    int day = digits(text, 8, 2);
    int hour = digits(text, 11, 2);
    int minute = digits(text, 14, 2);
    int second = digits(text, 17, 2);
    if (year < 1000 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) {
      return false;
    }
    if (minute < 0 || minute > 59 || second < 0 || second > 59) {
      return false;
    }
    if (day > YearMonth.of(year, month).lengthOfMonth()) {
      return false;
    }
    if (length == 20) {
      return true;
    }
    if (text.charAt(19) != '.') {
      return false;
    }
    int fraction = length - 21;
    if (digits(text, 20, fraction) < 0) {
      return false;
    }
    return digits(text, length - 4, 3) != 0;
  }

  /** The decimal number in {@code text[from, from + count)}, or -1 when it is not all digits. */
  private static int digits(String text, int from, int count) {
    int value = 0;
    for (int i = from; i < from + count; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  private static Instant canonicalInstant(String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException notInstant) {
      try {
        return OffsetDateTime.parse(text).toInstant();
      } catch (DateTimeParseException notOffset) {
        try {
          // SQLite's own datetime() form carries no zone: it is UTC.
          return LocalDateTime.parse(text.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException notLocal) {
          throw new IllegalArgumentException(
              "expected an ISO-8601 timestamp such as 2026-11-22T10:15:30Z, found '"
                  + abbreviate(text)
                  + "'");
        }
      }
    }
  }

  private IllegalArgumentException mismatch(Object value) {
    String found =
        value instanceof String text
            ? "text '" + abbreviate(text) + "'"
            : kindOf(value) + " " + abbreviate(String.valueOf(value));
    return new IllegalArgumentException("expected " + schemaName() + ", found " + found);
  }

  private static String kindOf(Object value) {
    if (value instanceof Long || value instanceof Integer) {
      return "integer";
    }
    if (value instanceof Double) {
      return "real";
    }
    if (value instanceof Boolean) {
      return "boolean";
    }
    return value.getClass().getSimpleName();
  }

  static String abbreviate(String text) {
    return text.length() <= 40 ? text : text.substring(0, 37) + "...";
  }
}
