package io.fieldsync.server.review;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.util.Map;

/**
 * The form in which a review item holds a whole record: its values as one JSON object. Not API:
 * public for the push path, which parks whole records.
 */
public final class ParkedRecord {
  private ParkedRecord() {}

  /** {@code values} as a JSON object: numbers and booleans as such, anything else as text. */
  public static String valuesJson(Map<String, Object> values) {
    JsonObject json = new JsonObject();
    for (Map.Entry<String, Object> entry : values.entrySet()) {
      Object value = entry.getValue();
      if (value instanceof Number number) {
        json.addProperty(entry.getKey(), number);
      } else if (value instanceof Boolean flag) {
        json.addProperty(entry.getKey(), flag);
      } else if (value != null) {
        json.addProperty(entry.getKey(), value.toString());
      } else {
        json.add(entry.getKey(), JsonNull.INSTANCE);
      }
    }
    return json.toString();
  }
}
