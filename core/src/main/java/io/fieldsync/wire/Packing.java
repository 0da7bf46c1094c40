package io.fieldsync.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.fieldsync.ProtocolException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The packed form of the binary wire ({@link PackedChanges}, {@link PackedRecords}): the records of
 * a {@link PullResponse} or the changes of a {@link PushRequest} laid out in columns, ids as
 * 16-byte UUIDs, names as indexes, stamps and sequences as differences. The content is exactly the
 * same; the layout only lets zstd find what repeats. Codecs {@link #pack} before encoding and
 * {@link #unpack} after decoding, so no other code sees the packed fields. Thread-safe (stateless).
 */
public final class Packing {
  /** The largest decimal scale of a packed real: value = digits / 10^scale. */
  static final int MAX_SCALE = 9;

  private static final double[] POW10 = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};

  // PackedValues.kinds
  private static final int NULL = 0;
  private static final int INT = 1;
  private static final int REAL = 2;
  private static final int TEXT = 3;
  private static final int TRUE = 4;
  private static final int FALSE = 5;
  private static final int DECIMAL = 6;

  private Packing() {}

  /** The request with its changes moved into {@code packed}; unchanged when there are none. */
  public static PushRequest pack(PushRequest request) {
    if (request.getChangesCount() == 0) {
      return request;
    }
    Names names = new Names();
    Ids ids = new Ids();
    ValuesOut values = new ValuesOut();
    PackedChanges.Builder packed = PackedChanges.newBuilder();
    long hlc = 0;
    long baseSeq = 0;
    for (Change change : request.getChangesList()) {
      Names.Table table = names.of(change.getTable());
      packed.addTables(table.index);
      ids.add(change.getRecordId());
      packed.addOps(change.getOpValue());
      packed.addHlcs(change.getHlc() - hlc);
      hlc = change.getHlc();
      packed.addBaseSeqs(change.getBaseSeq() - baseSeq);
      baseSeq = change.getBaseSeq();
      packed.addFieldCounts(change.getFieldsCount());
      for (FieldChange field : change.getFieldsList()) {
        packed.addColumns(table.column(field.getColumn()));
        packed.addHlcs(field.getHlc() - hlc);
        hlc = field.getHlc();
        values.add(field.getValue());
        packed.addDeltas(field.getDelta());
        packed.addAddedCounts(field.getAddedCount());
        packed.addRemovedCounts(field.getRemovedCount());
        packed.addAllElements(field.getAddedList());
        packed.addAllElements(field.getRemovedList());
      }
    }
    packed.addAllNames(names.build()).setIds(ids.build()).setValues(values.build());
    if (allZero(packed.getDeltasList())) {
      packed.clearDeltas();
    }
    if (allZero(packed.getAddedCountsList()) && allZero(packed.getRemovedCountsList())) {
      packed.clearAddedCounts().clearRemovedCounts();
    }
    return request.toBuilder().clearChanges().setPacked(packed).build();
  }

  /** The response with its records moved into {@code packed}; unchanged when there are none. */
  public static PullResponse pack(PullResponse response) {
    if (response.getRecordsCount() == 0) {
      return response;
    }
    RecordsWriter writer = new RecordsWriter();
    for (Record record : response.getRecordsList()) {
      writer.record(
          record.getTable(),
          record.getRecordId(),
          record.getSeq(),
          record.getDeleted(),
          record.getAbsent(),
          record.getEvicted());
      for (Field field : record.getFieldsList()) {
        writer.field(field.getColumn(), field.getHlc(), field.getValue());
      }
    }
    return writer.into(response.toBuilder().clearRecords()).build();
  }

  /**
   * Writes records straight into the packed form, for a server that would otherwise build each
   * {@link Record} only to take it apart again: {@link #record} starts a record, {@link #field}
   * adds a field to the last one started. Not thread-safe.
   */
  public static final class RecordsWriter {
    private final Names names = new Names();
    private final Ids ids = new Ids();
    private final ValuesOut values = new ValuesOut();
    private final PackedRecords.Builder packed = PackedRecords.newBuilder();
    private Names.Table table;
    private int records;
    private int fields = -1;
    private boolean anyFlag;
    private long seq;
    private long hlc;

    /** Starts a record; its fields follow. */
    public void record(
        String tableName,
        String id,
        long recordSeq,
        boolean deleted,
        boolean absent,
        boolean evicted) {
      endRecord();
      table = names.of(tableName);
      packed.addTables(table.index);
      ids.add(id);
      int flags = (deleted ? 1 : 0) | (absent ? 2 : 0) | (evicted ? 4 : 0);
      anyFlag |= flags != 0;
      packed.addFlags(flags);
      packed.addSeqs(recordSeq - seq);
      seq = recordSeq;
      fields = 0;
      records++;
    }

    /** Adds a field, its value in wire form, to the record last started. */
    public void field(String column, long fieldHlc, Value value) {
      startField(column, fieldHlc);
      values.add(value);
    }

    /** Adds a field, its value a canonical Java value ({@link Values#toWire}), to the record. */
    public void field(String column, long fieldHlc, Object value) {
      startField(column, fieldHlc);
      values.add(value);
    }

    /** How many records were started. */
    public int records() {
      return records;
    }

    /** Sets {@code response.packed} to what was written; the response unchanged when nothing. */
    public PullResponse.Builder into(PullResponse.Builder response) {
      if (records == 0) {
        return response;
      }
      endRecord();
      packed.addAllNames(names.build()).setIds(ids.build()).setValues(values.build());
      if (!anyFlag) {
        packed.clearFlags();
      }
      return response.setPacked(packed);
    }

    private void startField(String column, long fieldHlc) {
      if (fields < 0) {
        throw new IllegalStateException("a field needs a record: call record() first");
      }
      packed.addColumns(table.column(column));
      packed.addHlcs(fieldHlc - hlc);
      hlc = fieldHlc;
      fields++;
    }

    private void endRecord() {
      if (fields >= 0) {
        packed.addFieldCounts(fields);
        fields = -1;
      }
    }
  }

  /**
   * The message with any packed field expanded into the ordinary one; other messages are returned
   * as they are.
   *
   * @throws ProtocolException naming what is inconsistent in malformed packed input
   */
  @SuppressWarnings("unchecked")
  public static <T extends Message> T unpack(T message) {
    if (message instanceof PushRequest request && request.hasPacked()) {
      return (T) unpack(request);
    }
    if (message instanceof PullResponse response && response.hasPacked()) {
      return (T) unpack(response);
    }
    return message;
  }

  /**
   * Splits a packed message into the part holding the 16-byte ids and the rest; null when it has no
   * such ids. The two serialized one after the other parse as the whole message (protobuf merges a
   * repeated sub-message), so {@link WireCodec} can compress each on its own.
   */
  static Message[] splitUuids(Message message) {
    if (message instanceof PullResponse response
        && !response.getPacked().getIds().getUuids().isEmpty()) {
      PackedIds ids = response.getPacked().getIds();
      return new Message[] {
        response.toBuilder()
            .setPacked(response.getPacked().toBuilder().setIds(ids.toBuilder().clearUuids()))
            .build(),
        PullResponse.newBuilder()
            .setPacked(
                PackedRecords.newBuilder().setIds(PackedIds.newBuilder().setUuids(ids.getUuids())))
            .build()
      };
    }
    if (message instanceof PushRequest request
        && !request.getPacked().getIds().getUuids().isEmpty()) {
      PackedIds ids = request.getPacked().getIds();
      return new Message[] {
        request.toBuilder()
            .setPacked(request.getPacked().toBuilder().setIds(ids.toBuilder().clearUuids()))
            .build(),
        PushRequest.newBuilder()
            .setPacked(
                PackedChanges.newBuilder().setIds(PackedIds.newBuilder().setUuids(ids.getUuids())))
            .build()
      };
    }
    return null;
  }

  private static PushRequest unpack(PushRequest request) {
    String where = "PushRequest.packed";
    if (request.getChangesCount() > 0) {
      throw new ProtocolException(
          where + " and PushRequest.changes are both set; send one of them");
    }
    PackedChanges packed = request.getPacked();
    int count = packed.getTablesCount();
    requireCount(where, "ops", packed.getOpsCount(), count);
    requireCount(where, "base_seqs", packed.getBaseSeqsCount(), count);
    requireCount(where, "field_counts", packed.getFieldCountsCount(), count);
    int fields = totalFields(where, packed.getFieldCountsList());
    requireCount(where, "columns", packed.getColumnsCount(), fields);
    requireCount(where, "hlcs", packed.getHlcsCount(), (long) count + fields);
    requireCountOrNone(where, "deltas", packed.getDeltasCount(), fields);
    requireCountOrNone(where, "added_counts", packed.getAddedCountsCount(), fields);
    requireCountOrNone(where, "removed_counts", packed.getRemovedCountsCount(), fields);
    long elements = 0;
    for (int added : packed.getAddedCountsList()) {
      elements += Integer.toUnsignedLong(added);
    }
    for (int removed : packed.getRemovedCountsList()) {
      elements += Integer.toUnsignedLong(removed);
    }
    requireCount(where, "elements", packed.getElementsCount(), elements);
    List<String> ids = ids(where, packed.getIds(), count);
    ValuesIn values = new ValuesIn(where, packed.getValues(), fields);
    List<PackedTable> names = packed.getNamesList();
    List<Change> changes = new ArrayList<>(count);
    int field = 0;
    int hlcAt = 0;
    int elementAt = 0;
    long hlc = 0;
    long baseSeq = 0;
    for (int i = 0; i < count; i++) {
      hlc += packed.getHlcs(hlcAt++);
      baseSeq += packed.getBaseSeqs(i);
      PackedTable table = table(where, names, packed.getTables(i));
      Change.Builder change =
          Change.newBuilder()
              .setTable(table.getName())
              .setRecordId(ids.get(i))
              .setOpValue(packed.getOps(i))
              .setHlc(hlc)
              .setBaseSeq(baseSeq);
      for (int f = 0; f < packed.getFieldCounts(i); f++, field++) {
        hlc += packed.getHlcs(hlcAt++);
        int added = packed.getAddedCountsCount() == 0 ? 0 : packed.getAddedCounts(field);
        int removed = packed.getRemovedCountsCount() == 0 ? 0 : packed.getRemovedCounts(field);
        change.addFields(
            FieldChange.newBuilder()
                .setColumn(column(where, table, packed.getColumns(field)))
                .setValue(values.next())
                .setHlc(hlc)
                .setDelta(packed.getDeltasCount() == 0 ? 0 : packed.getDeltas(field))
                .addAllAdded(packed.getElementsList().subList(elementAt, elementAt + added))
                .addAllRemoved(
                    packed
                        .getElementsList()
                        .subList(elementAt + added, elementAt + added + removed)));
        elementAt += added + removed;
      }
      changes.add(change.build());
    }
    return request.toBuilder().clearPacked().addAllChanges(changes).build();
  }

  private static PullResponse unpack(PullResponse response) {
    String where = "PullResponse.packed";
    if (response.getRecordsCount() > 0) {
      throw new ProtocolException(
          where + " and PullResponse.records are both set; send one of them");
    }
    PackedRecords packed = response.getPacked();
    int count = packed.getTablesCount();
    requireCountOrNone(where, "flags", packed.getFlagsCount(), count);
    requireCount(where, "seqs", packed.getSeqsCount(), count);
    requireCount(where, "field_counts", packed.getFieldCountsCount(), count);
    int fields = totalFields(where, packed.getFieldCountsList());
    requireCount(where, "columns", packed.getColumnsCount(), fields);
    requireCount(where, "hlcs", packed.getHlcsCount(), fields);
    List<String> ids = ids(where, packed.getIds(), count);
    ValuesIn values = new ValuesIn(where, packed.getValues(), fields);
    List<PackedTable> names = packed.getNamesList();
    List<Record> records = new ArrayList<>(count);
    int field = 0;
    long seq = 0;
    long hlc = 0;
    for (int i = 0; i < count; i++) {
      int flags = packed.getFlagsCount() == 0 ? 0 : packed.getFlags(i);
      if ((flags & ~7) != 0) {
        throw new ProtocolException(
            where + ".flags[" + i + "] is " + Integer.toUnsignedString(flags) + "; only bits 0-2");
      }
      seq += packed.getSeqs(i);
      PackedTable table = table(where, names, packed.getTables(i));
      Record.Builder record =
          Record.newBuilder()
              .setTable(table.getName())
              .setRecordId(ids.get(i))
              .setDeleted((flags & 1) != 0)
              .setAbsent((flags & 2) != 0)
              .setEvicted((flags & 4) != 0)
              .setSeq(seq);
      for (int f = 0; f < packed.getFieldCounts(i); f++, field++) {
        hlc += packed.getHlcs(field);
        record.addFields(
            Field.newBuilder()
                .setColumn(column(where, table, packed.getColumns(field)))
                .setValue(values.next())
                .setHlc(hlc));
      }
      records.add(record.build());
    }
    return response.toBuilder().clearPacked().addAllRecords(records).build();
  }

  private static void requireCount(String where, String list, int found, long expected) {
    if (found != expected) {
      throw new ProtocolException(
          where + "." + list + " has " + found + " entries, expected " + expected);
    }
  }

  /** A list that would hold only zeros (or false) may be left empty. */
  private static void requireCountOrNone(String where, String list, int found, long expected) {
    if (found != 0) {
      requireCount(where, list, found, expected);
    }
  }

  private static boolean allZero(List<? extends Number> list) {
    for (Number number : list) {
      if (number.longValue() != 0) {
        return false;
      }
    }
    return true;
  }

  private static int totalFields(String where, List<Integer> counts) {
    long total = 0;
    for (int count : counts) {
      total += Integer.toUnsignedLong(count);
    }
    if (total > Integer.MAX_VALUE) {
      throw new ProtocolException(where + ".field_counts add up to " + total + " fields");
    }
    return (int) total;
  }

  private static PackedTable table(String where, List<PackedTable> names, int index) {
    if (index < 0 || index >= names.size()) {
      throw new ProtocolException(
          where
              + ".tables refers to table "
              + Integer.toUnsignedString(index)
              + ", but names has "
              + names.size());
    }
    return names.get(index);
  }

  private static String column(String where, PackedTable table, int index) {
    if (index < 0 || index >= table.getColumnsCount()) {
      throw new ProtocolException(
          where
              + ".columns refers to column "
              + Integer.toUnsignedString(index)
              + " of table '"
              + table.getName()
              + "', which names "
              + table.getColumnsCount());
    }
    return table.getColumns(index);
  }

  private static List<String> ids(String where, PackedIds packed, int count) {
    requireCountOrNone(where, "ids.is_text", packed.getIsTextCount(), count);
    int texts = 0;
    for (boolean isText : packed.getIsTextList()) {
      texts += isText ? 1 : 0;
    }
    requireCount(where, "ids.texts", packed.getTextsCount(), texts);
    int uuids = count - texts;
    if (packed.getUuids().size() != 16L * uuids) {
      throw new ProtocolException(
          where
              + ".ids.uuids has "
              + packed.getUuids().size()
              + " bytes, expected 16 for each of "
              + uuids
              + " UUID ids");
    }
    byte[] planes = packed.getUuids().toByteArray();
    List<String> ids = new ArrayList<>(count);
    int uuid = 0;
    int text = 0;
    for (int i = 0; i < count; i++) {
      if (packed.getIsTextCount() > 0 && packed.getIsText(i)) {
        ids.add(packed.getTexts(text++));
        continue;
      }
      long high = 0;
      long low = 0;
      for (int k = 0; k < 8; k++) {
        high = (high << 8) | (planes[k * uuids + uuid] & 0xFF);
        low = (low << 8) | (planes[(k + 8) * uuids + uuid] & 0xFF);
      }
      ids.add(new UUID(high, low).toString());
      uuid++;
    }
    return ids;
  }

  /** Tables, and each table's columns, in order of first use. */
  private static final class Names {
    final Map<String, Table> tables = new HashMap<>();
    final List<Table> list = new ArrayList<>();

    Table of(String name) {
      Table table = tables.get(name);
      if (table == null) {
        table = new Table(name, list.size());
        tables.put(name, table);
        list.add(table);
      }
      return table;
    }

    List<PackedTable> build() {
      List<PackedTable> result = new ArrayList<>(list.size());
      for (Table table : list) {
        result.add(
            PackedTable.newBuilder().setName(table.name).addAllColumns(table.columns).build());
      }
      return result;
    }

    static final class Table {
      final String name;
      final int index;
      final Map<String, Integer> indexes = new HashMap<>();
      final List<String> columns = new ArrayList<>();

      Table(String name, int index) {
        this.name = name;
        this.index = index;
      }

      int column(String column) {
        Integer at = indexes.get(column);
        if (at == null) {
          at = columns.size();
          indexes.put(column, at);
          columns.add(column);
        }
        return at;
      }
    }
  }

  /** Canonical lowercase UUIDs as two longs each, any other id as text. */
  private static final class Ids {
    long[] uuids = new long[64];
    int uuidCount;
    final PackedIds.Builder ids = PackedIds.newBuilder();

    void add(String id) {
      if (uuidCount * 2 + 2 > uuids.length) {
        uuids = java.util.Arrays.copyOf(uuids, uuids.length * 2);
      }
      if (parseCanonicalUuid(id, uuids, uuidCount * 2)) {
        uuidCount++;
        ids.addIsText(false);
      } else {
        ids.addIsText(true).addTexts(id);
      }
    }

    PackedIds build() {
      byte[] planes = new byte[16 * uuidCount];
      for (int i = 0; i < uuidCount; i++) {
        long high = uuids[2 * i];
        long low = uuids[2 * i + 1];
        for (int k = 0; k < 8; k++) {
          planes[k * uuidCount + i] = (byte) (high >>> (56 - 8 * k));
          planes[(k + 8) * uuidCount + i] = (byte) (low >>> (56 - 8 * k));
        }
      }
      if (ids.getTextsCount() == 0) {
        ids.clearIsText();
      }
      return ids.setUuids(ByteString.copyFrom(planes)).build();
    }
  }

  /**
   * Parses {@code id} into {@code out[at]} (high bits) and {@code out[at + 1]} when it is exactly
   * how {@link UUID#toString} prints a UUID (lowercase, hyphens in place), so decoding gives the
   * same text back.
   */
  static boolean parseCanonicalUuid(String id, long[] out, int at) {
    if (id.length() != 36) {
      return false;
    }
    long high = 0;
    long low = 0;
    int nibbles = 0;
    for (int i = 0; i < 36; i++) {
      char c = id.charAt(i);
      if (i == 8 || i == 13 || i == 18 || i == 23) {
        if (c != '-') {
          return false;
        }
        continue;
      }
      int digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else {
        return false;
      }
      if (nibbles++ < 16) {
        high = (high << 4) | digit;
      } else {
        low = (low << 4) | digit;
      }
    }
    out[at] = high;
    out[at + 1] = low;
    return true;
  }

  private static final class ValuesOut {
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
        values.addKinds(TEXT).addTexts(text);
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
        case TEXT_VALUE -> values.addKinds(TEXT).addTexts(value.getTextValue());
        case BOOL_VALUE -> values.addKinds(value.getBoolValue() ? TRUE : FALSE);
        default -> values.addKinds(NULL);
      }
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

  private static final class ValuesIn {
    final String where;
    final PackedValues values;
    int kind;
    int integer;
    int real;
    int text;
    int scale;

    ValuesIn(String where, PackedValues values, int count) {
      this.where = where + ".values";
      this.values = values;
      requireCount(this.where, "kinds", values.getKindsCount(), count);
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
      requireCount(this.where, "ints", values.getIntsCount(), counts[INT] + counts[DECIMAL]);
      requireCount(this.where, "reals", values.getRealsCount(), counts[REAL]);
      requireCount(this.where, "texts", values.getTextsCount(), counts[TEXT]);
      requireCount(this.where, "scales", values.getScalesCount(), counts[DECIMAL]);
    }

    Value next() {
      return switch (values.getKinds(kind++)) {
        case INT -> Value.newBuilder().setIntValue(values.getInts(integer++)).build();
        case REAL -> Value.newBuilder().setRealValue(values.getReals(real++)).build();
        case TEXT -> Value.newBuilder().setTextValue(values.getTexts(text++)).build();
        case TRUE -> Value.newBuilder().setBoolValue(true).build();
        case FALSE -> Value.newBuilder().setBoolValue(false).build();
        case DECIMAL -> {
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
          yield Value.newBuilder()
              .setRealValue(values.getInts(integer++) / POW10[exponent])
              .build();
        }
        default -> Value.getDefaultInstance();
      };
    }
  }
}
