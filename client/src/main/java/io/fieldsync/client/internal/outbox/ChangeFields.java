package io.fieldsync.client.internal.outbox;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.Value;
import io.fieldsync.wire.Values;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A change's fields as a JSON object, for people reading {@code _fs_rejected} and {@code
 * _fs_parked}.
 */
public final class ChangeFields {
  private static final Gson GSON =
      new GsonBuilder().serializeNulls().disableHtmlEscaping().create();

  private ChangeFields() {}

  /** The fields by column; a real JSON cannot hold (NaN, infinity) is written as its text. */
  public static String json(Change change) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (FieldChange field : change.getFieldsList()) {
      values.put(field.getColumn(), plain(field.getValue()));
    }
    return GSON.toJson(values);
  }

  /** A value as Gson writes it to JSON: a real JSON cannot hold is its text. */
  static Object plain(Value wire) {
    Object value = Values.fromWire(wire);
    if (value instanceof Double number && (number.isNaN() || number.isInfinite())) {
      return number.toString();
    }
    return value;
  }
}
