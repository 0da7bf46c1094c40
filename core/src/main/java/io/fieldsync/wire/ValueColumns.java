package io.fieldsync.wire;

import com.google.protobuf.ByteString;
import io.fieldsync.ProtocolException;

/** The packed values of a message ({@link PackedValues}): a kind per value, one list per kind. */
final class ValueColumns {
  /** The largest decimal scale of a packed real: value = digits / 10^scale. */
  static final int MAX_SCALE = 9;

  private static final double[] POW10 = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};

  // PackedValues.kinds
  static final int NULL = 0;
  static final int INT = 1;
  static final int REAL = 2;
  static final int TEXT = 3;
  static final int TRUE = 4;
  static final int FALSE = 5;
  static final int DECIMAL = 6;

  private ValueColumns() {}

  static final class Writer {
    final PackedValues.Builder values = PackedValues.newBuilder();

    void add(Object value) {
      if (value == null) {
        values.addKinds(NULL);
      } else if (value instanceof Long number) {
        values.addKinds(INT).addInts(number);
      } else if (value instanceof Integer number) {
        values.addKinds(INT).addInts(number);
      } else if (value instanceof Double number) {
        addReal(number);
      } else if (value instanceof String text) {
        addText(text);
      } else if (value instanceof Boolean flag) {
        values.addKinds(flag ? TRUE : FALSE);
      } else {
        throw new IllegalArgumentException("no wire form for " + value.getClass().getName());
      }
    }

    void add(Value value) {
      switch (value.getKindCase()) {
        case INT_VALUE -> values.addKinds(INT).addInts(value.getIntValue());
        case REAL_VALUE -> addReal(value.getRealValue());
        case TEXT_VALUE -> addText(value.getTextValue());
        case BOOL_VALUE -> values.addKinds(value.getBoolValue() ? TRUE : FALSE);
        default -> values.addKinds(NULL);
      }
    }

    /**
     * Encoded to UTF-8 once, here: protobuf would encode a {@code String} twice on serialising
     * (once to size it, once to write it), the largest item of encoding a pull page.
     */
    private void addText(String text) {
      values.addKinds(TEXT).addTextsBytes(ByteString.copyFromUtf8(text));
    }

    /** A real with few decimals (12.5, -17.123456) as digits and a scale, which compress. */
    private void addReal(double real) {
      long bits = Double.doubleToRawLongBits(real);
      for (int scale = 0; scale <= MAX_SCALE; scale++) {
        double scaled = real * POW10[scale];
        if (!(Math.abs(scaled) < 1e15)) {
          break;
        }
        long digits = Math.round(scaled);
        if (Double.doubleToRawLongBits(digits / POW10[scale]) == bits) {
          values.addKinds(DECIMAL).addInts(digits).addScales(scale);
          return;
        }
      }
      values.addKinds(REAL).addReals(real);
    }

    PackedValues build() {
      return values.build();
    }
  }

  static final class Reader {
    final String where;
    final PackedValues values;
    int kind;
    int integer;
    int real;
    int text;
    int scale;

    Reader(String where, PackedValues values, int count) {
      this.where = where + ".values";
      this.values = values;
      Unpacking.requireCount(this.where, "kinds", values.getKindsCount(), count);
      int[] counts = new int[7];
      for (int i = 0; i < count; i++) {
        int kind = values.getKinds(i);
        if (kind < 0 || kind > DECIMAL) {
          throw new ProtocolException(
              this.where
                  + ".kinds["
                  + i
                  + "] is "
                  + Integer.toUnsignedString(kind)
                  + "; known kinds are 0 to "
                  + DECIMAL);
        }
        counts[kind]++;
      }
      Unpacking.requireCount(
          this.where, "ints", values.getIntsCount(), counts[INT] + counts[DECIMAL]);
      Unpacking.requireCount(this.where, "reals", values.getRealsCount(), counts[REAL]);
      Unpacking.requireCount(this.where, "texts", values.getTextsCount(), counts[TEXT]);
      Unpacking.requireCount(this.where, "scales", values.getScalesCount(), counts[DECIMAL]);
    }

    Value next() {
      return switch (values.getKinds(kind++)) {
        case INT -> Value.newBuilder().setIntValue(values.getInts(integer++)).build();
        case REAL -> Value.newBuilder().setRealValue(values.getReals(real++)).build();
        case TEXT -> Value.newBuilder().setTextValue(values.getTexts(text++)).build();
        case TRUE -> Value.newBuilder().setBoolValue(true).build();
        case FALSE -> Value.newBuilder().setBoolValue(false).build();
        case DECIMAL -> Value.newBuilder().setRealValue(decimal()).build();
        default -> Value.getDefaultInstance();
      };
    }

    /** The next value as {@link Values#fromWire} reads {@link #next}, without the message. */
    Object nextObject() {
      return switch (values.getKinds(kind++)) {
        case INT -> values.getInts(integer++);
        case REAL -> values.getReals(real++);
        case TEXT -> values.getTexts(text++);
        case TRUE -> Boolean.TRUE;
        case FALSE -> Boolean.FALSE;
        case DECIMAL -> decimal();
        default -> null;
      };
    }

    private double decimal() {
      int at = scale++;
      int exponent = values.getScales(at);
      if (exponent < 0 || exponent > MAX_SCALE) {
        throw new ProtocolException(
            where
                + ".scales["
                + at
                + "] is "
                + Integer.toUnsignedString(exponent)
                + "; scales are 0 to "
                + MAX_SCALE);
      }
      return values.getInts(integer++) / POW10[exponent];
    }
  }
}
