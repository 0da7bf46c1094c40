package io.fieldsync.wire;

import io.fieldsync.ProtocolException;

/** Converts between canonical Java values (see {@code ColumnType}) and wire {@link Value}s. */
public final class Values {
  private static final Value NULL = Value.getDefaultInstance();

  private Values() {}

  public static Value toWire(Object value) {
    if (value == null) {
      return NULL;
    }
    if (value instanceof Long number) {
      return Value.newBuilder().setIntValue(number).build();
    }
    if (value instanceof Integer number) {
      return Value.newBuilder().setIntValue(number).build();
    }
    if (value instanceof Double number) {
      return Value.newBuilder().setRealValue(number).build();
    }
    if (value instanceof String text) {
      return Value.newBuilder().setTextValue(text).build();
    }
    if (value instanceof Boolean flag) {
      return Value.newBuilder().setBoolValue(flag).build();
    }
    throw new IllegalArgumentException("no wire form for " + value.getClass().getName());
  }

  public static Object fromWire(Value value) {
    switch (value.getKindCase()) {
      case INT_VALUE:
        return value.getIntValue();
      case REAL_VALUE:
        return value.getRealValue();
      case TEXT_VALUE:
        return value.getTextValue();
      case BOOL_VALUE:
        return value.getBoolValue();
      case KIND_NOT_SET:
        return null;
      default:
        throw new ProtocolException("unknown value kind " + value.getKindCase());
    }
  }
}
