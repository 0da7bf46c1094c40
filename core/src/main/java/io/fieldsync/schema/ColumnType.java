package io.fieldsync.schema;

import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
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
   * Whether {@code text} is already what {@code UUID.toString()} prints (36 characters, lower-case
   * hex, dashes at 8, 13, 18, 23): checked by hand because pushes and reads coerce every id.
   */
  private static boolean isCanonicalUuid(String text) {
    if (text.length() != 36) {
      return false;
    }
    for (int i = 0; i < 36; i++) {
      char c = text.charAt(i);
      boolean ok =
          i == 8 || i == 13 || i == 18 || i == 23
              ? c == '-'
              : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether {@code text} is already what {@code Instant.toString()} prints for a year 0000–9999
   * ({@code 2026-11-22T10:15:30Z}, with 3, 6 or 9 fraction digits when the fraction needs them):
   * checked by hand because {@code Instant.parse} dominates the cost of coercing a timestamp.
   * Anything else (offsets, leap seconds, padded fractions) goes the long way.
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
    if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) {
      return false;
    }
    if (minute < 0 || minute > 59 || second < 0 || second > 59) {
      return false;
    }
    boolean leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    if (day > java.time.Month.of(month).length(leap)) {
      return false;
    }
    if (length == 20) {
      return true;
    }
    if (text.charAt(19) != '.') {
      return false;
    }
    int fractionDigits = length - 21;
    if (digits(text, 20, fractionDigits) < 0) {
      return false;
    }
    // toString prints the shortest of 3, 6, 9 digits that holds the fraction, and none for zero
    return digits(text, length - 4, 3) != 0;
  }

  /** The number in {@code count} decimal digits at {@code start}, or -1 when one is no digit. */
  private static int digits(String text, int start, int count) {
    int value = 0;
    for (int i = start; i < start + count; i++) {
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
