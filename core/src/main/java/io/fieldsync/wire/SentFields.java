package io.fieldsync.wire;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.List;
import java.util.Locale;

/**
 * The fields of a change as the device sent them, as the server's journal keeps them: {@link
 * #encode encoded} in the wire's own form when the change is journaled, and shown as JSON ({@link
 * #json}) when the journal is read: per column (lower case), its value, stamp and, when sent, delta
 * and added/removed elements.
 *
 * <p>Every pushed change is journaled and few journal rows are ever read, so the push writes the
 * compact form (about half the bytes of the JSON, and no text to build) and a read renders the JSON
 * from it with the same code that renders a change in hand, so both give the same text.
 *
 * <p>The JSON is written straight into one string builder rather than built as a Gson tree; a test
 * holds the two to the same text. A change naming a column twice (rejected) goes through the tree,
 * which keeps one entry per name. Thread-safe (stateless).
 */
public final class SentFields {
  private SentFields() {}

  /**
   * The fields of {@code change} encoded as a {@link Change} message holding only them, or null for
   * a change without fields.
   */
  public static byte[] encode(Change change) {
    if (change.getFieldsCount() == 0) {
      return null;
    }
    return Change.newBuilder().addAllFields(change.getFieldsList()).build().toByteArray();
  }

  /**
   * The JSON of fields {@link #encode encoded} earlier, or null for null.
   *
   * @throws IllegalArgumentException when {@code encoded} is not an encoding of fields
   */
  public static String json(byte[] encoded) {
    if (encoded == null) {
      return null;
    }
    try {
      return json(Change.parseFrom(encoded));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(
          "the " + encoded.length + " bytes are not encoded fields of a change: " + e.getMessage(),
          e);
    }
  }

  /** The fields JSON of {@code change}, or null for a change without fields. */
  public static String json(Change change) {
    int count = change.getFieldsCount();
    if (count == 0) {
      return null;
    }
    String[] names = new String[count];
    for (int i = 0; i < count; i++) {
      names[i] = change.getFields(i).getColumn().toLowerCase(Locale.ROOT);
      for (int k = 0; k < i; k++) {
        if (names[k].equals(names[i])) {
          return tree(change);
        }
      }
    }
    StringBuilder json = new StringBuilder(64 * count).append('{');
    for (int i = 0; i < count; i++) {
      FieldChange field = change.getFields(i);
      if (i > 0) {
        json.append(',');
      }
      string(json, names[i]).append(":{\"value\":");
      Object value = sentValue(field);
      if (value instanceof Number || value instanceof Boolean) {
        json.append(value); // NaN and infinities print as the tree prints them
      } else if (value != null) {
        string(json, value.toString());
      } else {
        json.append("null");
      }
      json.append(",\"hlc\":").append(field.getHlc());
      if (field.getDelta() != 0) {
        json.append(",\"delta\":").append(field.getDelta());
      }
      strings(json, "added", field.getAddedList());
      strings(json, "removed", field.getRemovedList());
      json.append('}');
    }
    return json.append('}').toString();
  }

  private static void strings(StringBuilder json, String name, List<String> elements) {
    if (elements.isEmpty()) {
      return;
    }
    json.append(",\"").append(name).append("\":[");
    for (int i = 0; i < elements.size(); i++) {
      if (i > 0) {
        json.append(',');
      }
      string(json, elements.get(i));
    }
    json.append(']');
  }

  /** A JSON string escaped as Gson's writer escapes it (not HTML-safe; U+2028 and U+2029 are). */
  private static StringBuilder string(StringBuilder json, String text) {
    json.append('"');
    int plain = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      String escape;
      if (c < 0x20) {
        escape =
            switch (c) {
              case '\t' -> "\\t";
              case '\b' -> "\\b";
              case '\n' -> "\\n";
              case '\r' -> "\\r";
              case '\f' -> "\\f";
              default -> String.format(Locale.ROOT, "\\u%04x", (int) c);
            };
      } else if (c == '"') {
        escape = "\\\"";
      } else if (c == '\\') {
        escape = "\\\\";
      } else if (c == '\u2028') {
        escape = "\\u2028";
      } else if (c == '\u2029') {
        escape = "\\u2029";
      } else {
        continue;
      }
      json.append(text, plain, i).append(escape);
      plain = i + 1;
    }
    return json.append(text, plain, text.length()).append('"');
  }

  /** The same JSON built as a Gson tree. */
  static String tree(Change change) {
    JsonObject fields = new JsonObject();
    for (FieldChange field : change.getFieldsList()) {
      JsonObject entry = new JsonObject();
      Object value = sentValue(field);
      if (value instanceof Number number) {
        entry.addProperty("value", number);
      } else if (value instanceof Boolean flag) {
        entry.addProperty("value", flag);
      } else if (value != null) {
        entry.addProperty("value", value.toString());
      } else {
        entry.add("value", JsonNull.INSTANCE);
      }
      entry.addProperty("hlc", field.getHlc());
      if (field.getDelta() != 0) {
        entry.addProperty("delta", field.getDelta());
      }
      if (field.getAddedCount() > 0) {
        JsonArray added = new JsonArray();
        field.getAddedList().forEach(added::add);
        entry.add("added", added);
      }
      if (field.getRemovedCount() > 0) {
        JsonArray removed = new JsonArray();
        field.getRemovedList().forEach(removed::add);
        entry.add("removed", removed);
      }
      fields.add(field.getColumn().toLowerCase(Locale.ROOT), entry);
    }
    return fields.toString();
  }

  private static Object sentValue(FieldChange field) {
    try {
      return Values.fromWire(field.getValue());
    } catch (RuntimeException e) {
      return null;
    }
  }
}
