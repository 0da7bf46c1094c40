package io.fieldsync.server.review;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.fieldsync.store.ReviewItem;
import java.math.BigDecimal;
import java.time.Instant;

/** The review queue's JSON: items as listed, and values between JSON and the store's types. */
final class ReviewJson {
  private ReviewJson() {}

  /** A review item as {@code GET /v1/review} lists it. */
  static JsonObject item(ReviewItem item) {
    JsonObject json = new JsonObject();
    json.addProperty("id", item.id());
    json.addProperty("table", item.table());
    json.addProperty("record_id", item.recordId());
    json.addProperty("column", item.column());
    json.add("server_value", toJson(item.serverValue()));
    json.add("device_value", toJson(item.deviceValue()));
    json.addProperty("base_seq", item.baseSeq());
    json.addProperty("server_hlc", item.serverHlc());
    json.addProperty("server_device", item.serverDevice());
    json.addProperty("device_hlc", item.deviceHlc());
    json.addProperty("device", item.device());
    json.addProperty("reason", item.reason());
    json.addProperty("created_at", Instant.ofEpochMilli(item.createdAtMillis()).toString());
    json.addProperty("status", item.status());
    json.addProperty("resolution", item.resolution());
    return json;
  }

  /** A stored value: numbers and booleans as such, anything else as text. */
  static JsonElement toJson(Object value) {
    if (value == null) {
      return JsonNull.INSTANCE;
    }
    if (value instanceof Number number) {
      return new JsonPrimitive(number);
    }
    if (value instanceof Boolean flag) {
      return new JsonPrimitive(flag);
    }
    return new JsonPrimitive(value.toString());
  }

  /** A value an admin sent, before its column coerces it; JSON objects and arrays as text. */
  static Object fromJson(JsonElement node) {
    if (node == null || node.isJsonNull()) {
      return null;
    }
    if (node.isJsonPrimitive()) {
      JsonPrimitive primitive = node.getAsJsonPrimitive();
      if (primitive.isBoolean()) {
        return primitive.getAsBoolean();
      }
      if (primitive.isNumber()) {
        BigDecimal number = primitive.getAsBigDecimal();
        try {
          return number.longValueExact();
        } catch (ArithmeticException notWhole) {
          return number.doubleValue();
        }
      }
      return primitive.getAsString();
    }
    return node.toString(); // an object or array for a json column
  }
}
