package io.fieldsync.server.push;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonWriter;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.Values;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;

/**
 * The fields of a change as the device sent them, as JSON for the journal: per column (lower case),
 * its value, stamp and, when sent, delta and added/removed elements.
 *
 * <p>Every pushed change is journaled, so the JSON is streamed with Gson's {@link JsonWriter}
 * rather than built as a tree; a test holds the two to the same text. A change naming a column
 * twice (rejected) goes through the tree, which keeps one entry per name.
 */
final class JournalFields {
  private JournalFields() {}

  /** The fields JSON, or null for a change without fields. */
  static String json(Change change) {
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
    StringWriter text = new StringWriter(48 * count);
    try (JsonWriter json = new JsonWriter(text)) {
      json.setStrictness(Strictness.LENIENT); // NaN and infinities print as the tree prints them
      json.beginObject();
      for (int i = 0; i < count; i++) {
        FieldChange field = change.getFields(i);
        json.name(names[i]).beginObject().name("value");
        Object value = sentValue(field);
        if (value instanceof Number number) {
          json.value(number);
        } else if (value instanceof Boolean flag) {
          json.value(flag);
        } else if (value != null) {
          json.value(value.toString());
        } else {
          json.nullValue();
        }
        json.name("hlc").value(field.getHlc());
        if (field.getDelta() != 0) {
          json.name("delta").value(field.getDelta());
        }
        strings(json, "added", field.getAddedList());
        strings(json, "removed", field.getRemovedList());
        json.endObject();
      }
      json.endObject();
    } catch (IOException e) {
      throw new UncheckedIOException("writing to a string cannot fail", e);
    }
    return text.toString();
  }

  private static void strings(JsonWriter json, String name, List<String> elements)
      throws IOException {
    if (elements.isEmpty()) {
      return;
    }
    json.name(name).beginArray();
    for (String element : elements) {
      json.value(element);
    }
    json.endArray();
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
