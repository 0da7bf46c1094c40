package io.fieldsync.client.internal.outbox;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.sql.SQLException;
import java.util.Map;

/**
 * Reads the JSON objects the capture triggers write into a log row ({@code vals}, {@code extra})
 * with the types SQLite's {@code json_each} gives their members: a string is text, {@code null} is
 * NULL, {@code true} and {@code false} are 1 and 0, a number written with a fraction or an exponent
 * is a real and any other number an integer (a real when it does not fit one).
 */
final class LogJson {
  private LogJson() {}

  /**
   * Puts each member of the {@code vals} object of log row {@code id} into {@code values}; returns
   * whether some member is an array or an object (a value the application wrote through SQLite's
   * JSON functions, which the trigger logged as JSON rather than as text): those are put as null,
   * for the caller to read their text through SQLite.
   */
  static boolean values(long id, String json, Map<String, Object> values) throws SQLException {
    boolean nested = false;
    try (JsonReader reader = new JsonReader(new StringReader(json))) {
      reader.beginObject();
      while (reader.hasNext()) {
        String column = reader.nextName();
        JsonToken token = reader.peek();
        if (token == JsonToken.BEGIN_ARRAY || token == JsonToken.BEGIN_OBJECT) {
          nested = true;
          reader.skipValue();
          values.put(column, null);
        } else {
          values.put(column, value(reader));
        }
      }
      reader.endObject();
      requireEnd(reader);
    } catch (IOException | IllegalStateException | NumberFormatException e) {
      throw malformed(id, "vals", e);
    }
    return nested;
  }

  /**
   * Puts each numeric member of the {@code extra} object of log row {@code id} (a {@code sum}
   * increment) into {@code deltas}; returns whether the object also holds {@code union} edits
   * (objects), which the caller reads through SQLite.
   */
  static boolean deltas(long id, String json, Map<String, Long> deltas) throws SQLException {
    boolean unionEdits = false;
    try (JsonReader reader = new JsonReader(new StringReader(json))) {
      reader.beginObject();
      while (reader.hasNext()) {
        String column = reader.nextName();
        JsonToken token = reader.peek();
        if (token == JsonToken.NUMBER) {
          Object number = number(reader.nextString());
          deltas.put(
              column,
              number instanceof Long integer ? integer : (long) ((Double) number).doubleValue());
        } else {
          unionEdits |= token == JsonToken.BEGIN_OBJECT;
          reader.skipValue();
        }
      }
      reader.endObject();
      requireEnd(reader);
    } catch (IOException | IllegalStateException | NumberFormatException e) {
      throw malformed(id, "extra", e);
    }
    return unionEdits;
  }

  private static Object value(JsonReader reader) throws IOException {
    return switch (reader.peek()) {
      case STRING -> reader.nextString();
      case NUMBER -> number(reader.nextString());
      case NULL -> {
        reader.nextNull();
        yield null;
      }
      case BOOLEAN -> reader.nextBoolean() ? 1L : 0L;
      default -> throw new IllegalStateException("a log value is " + reader.peek());
    };
  }

  /** A JSON number's text as SQLite's {@code json_each} types it. */
  static Object number(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '.' || c == 'e' || c == 'E') {
        return Double.valueOf(text);
      }
    }
    try {
      return Long.valueOf(text);
    } catch (NumberFormatException e) {
      return Double.valueOf(text);
    }
  }

  private static void requireEnd(JsonReader reader) throws IOException {
    if (reader.peek() != JsonToken.END_DOCUMENT) {
      throw new IllegalStateException("text after the object");
    }
  }

  private static SQLException malformed(long id, String column, Exception cause) {
    return new SQLException(
        "_fs_changelog row "
            + id
            + " holds malformed JSON in "
            + column
            + ": "
            + cause.getMessage(),
        cause);
  }
}
