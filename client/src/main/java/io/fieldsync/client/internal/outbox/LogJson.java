package io.fieldsync.client.internal.outbox;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
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
   * Puts each member of the {@code vals} object of each row into the row's values; {@code texts}
   * holds the rows' {@code vals} in the same order. Returns the rows where some member is an array
   * or an object (a value the application wrote through SQLite's JSON functions, which the trigger
   * logged as JSON rather than as text): those are put as null, for the caller to read their text
   * through SQLite. One reader goes over all the rows, as the elements of one array: a reader per
   * row was half the cost of reading a batch.
   */
  static List<Outbox.Row> values(List<Outbox.Row> rows, List<String> texts) throws SQLException {
    List<Outbox.Row> nested = new ArrayList<>();
    try (JsonReader reader = new JsonReader(new JoinedTexts(texts))) {
      reader.beginArray();
      for (int at = 0; at < rows.size(); at++) {
        if (values(reader, rows.get(at).values)) {
          nested.add(rows.get(at));
        }
      }
      reader.endArray();
      requireEnd(reader);
    } catch (IOException | IllegalStateException | NumberFormatException e) {
      throw malformed(rows, texts, "vals", e);
    }
    return nested;
  }

  private static boolean values(JsonReader reader, Map<String, Object> values) throws IOException {
    boolean nested = false;
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
    return nested;
  }

  /**
   * Puts each numeric member of the {@code extra} object of each row (a {@code sum} increment) into
   * the row's deltas; {@code texts} holds the rows' {@code extra} in the same order. Returns
   * whether some object also holds {@code union} edits (objects), which the caller reads through
   * SQLite.
   */
  static boolean deltas(List<Outbox.Row> rows, List<String> texts) throws SQLException {
    boolean unionEdits = false;
    try (JsonReader reader = new JsonReader(new JoinedTexts(texts))) {
      reader.beginArray();
      for (int at = 0; at < rows.size(); at++) {
        Map<String, Long> deltas = rows.get(at).deltas;
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
      }
      reader.endArray();
      requireEnd(reader);
    } catch (IOException | IllegalStateException | NumberFormatException e) {
      throw malformed(rows, texts, "extra", e);
    }
    return unionEdits;
  }

  /** The texts as the elements of one JSON array: {@code [t1,t2,…]}. */
  private static final class JoinedTexts extends Reader {
    private final List<String> texts;
    private int text = -1;
    private int offset;
    private boolean closed;

    JoinedTexts(List<String> texts) {
      this.texts = texts;
    }

    @Override
    public int read(char[] buffer, int from, int length) {
      int written = 0;
      while (written < length && !closed) {
        if (text < 0) {
          buffer[from + written++] = '[';
          text = 0;
          continue;
        }
        if (text == texts.size()) {
          buffer[from + written++] = ']';
          closed = true;
          break;
        }
        String current = texts.get(text);
        int count = Math.min(length - written, current.length() - offset);
        current.getChars(offset, offset + count, buffer, from + written);
        written += count;
        offset += count;
        if (offset == current.length() && written < length) {
          text++;
          offset = 0;
          if (text < texts.size()) {
            buffer[from + written++] = ',';
          }
        }
      }
      return written == 0 && length > 0 ? -1 : written;
    }

    @Override
    public void close() {}
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

  /**
   * The failure for JSON that does not read, naming the first row whose text is not one object on
   * its own (read again one by one: in the joined array a row's trailing text fails on the next).
   */
  private static SQLException malformed(
      List<Outbox.Row> rows, List<String> texts, String column, Exception cause) {
    for (int i = 0; i < rows.size(); i++) {
      try (JsonReader reader = new JsonReader(new StringReader(texts.get(i)))) {
        reader.beginObject();
        while (reader.hasNext()) {
          reader.nextName();
          reader.skipValue();
        }
        reader.endObject();
        requireEnd(reader);
        continue;
      } catch (IOException | IllegalStateException e) {
        cause = e;
      }
      return new SQLException(
          "_fs_changelog row "
              + rows.get(i).id
              + " holds malformed JSON in "
              + column
              + ": "
              + cause.getMessage(),
          cause);
    }
    return new SQLException(
        "_fs_changelog holds malformed JSON in " + column + ": " + cause.getMessage(), cause);
  }
}
