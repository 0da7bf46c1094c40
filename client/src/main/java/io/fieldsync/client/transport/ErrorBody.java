package io.fieldsync.client.transport;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.nio.charset.StandardCharsets;

/**
 * A server's error body: JSON {@code {"error": ..., "message": ..., "last_device_batch": ...}}, or
 * whatever text a proxy answered instead.
 */
record ErrorBody(String text, String error, String message, long lastDeviceBatch) {

  static ErrorBody parse(byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8);
    try {
      JsonElement parsed = JsonParser.parseString(text);
      if (parsed.isJsonObject()) {
        JsonObject object = parsed.getAsJsonObject();
        return new ErrorBody(
            text, string(object, "error"), string(object, "message"), number(object));
      }
    } catch (JsonParseException e) {
      // Not JSON: the text itself is the message.
    }
    return new ErrorBody(text, null, null, 0);
  }

  /** The message, else the error code, else a short excerpt of the body. */
  String describe() {
    if (message != null) {
      return message;
    }
    if (error != null) {
      return error;
    }
    String trimmed = text.trim();
    if (trimmed.isEmpty()) {
      return "(empty body)";
    }
    return trimmed.length() <= 200 ? trimmed : trimmed.substring(0, 197) + "...";
  }

  private static String string(JsonObject object, String key) {
    return object.get(key) instanceof JsonPrimitive value && value.isString()
        ? value.getAsString()
        : null;
  }

  private static long number(JsonObject object) {
    try {
      return object.get("last_device_batch") instanceof JsonPrimitive value && value.isNumber()
          ? value.getAsLong()
          : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
