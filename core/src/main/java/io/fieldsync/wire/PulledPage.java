package io.fieldsync.wire;

import io.fieldsync.ProtocolException;
import java.util.List;

/**
 * The records of one pull page, read by position, whether the page came packed or as {@link Record}
 * messages. A device applies a packed page from here without building a message for each record,
 * field and value; {@link Packing#unpack} builds those messages from the same reading, so both
 * forms hold exactly the same records. Values are the canonical Java values of {@link
 * Values#fromWire}. Immutable once built.
 */
public final class PulledPage {
  private static final PulledPage EMPTY = new PulledPage(0, 0);

  private final String[] tables;
  private final String[] ids;
  private final byte[] flags;
  private final long[] seqs;

  /** Record {@code i}'s fields are {@code firstField[i]} up to {@code firstField[i + 1]}. */
  private final int[] firstField;

  private final String[] columns;
  private final long[] hlcs;
  private final Object[] values;

  private PulledPage(int records, int fields) {
    tables = new String[records];
    ids = new String[records];
    flags = new byte[records];
    seqs = new long[records];
    firstField = new int[records + 1];
    columns = new String[fields];
    hlcs = new long[fields];
    values = new Object[fields];
  }

  /** The page's records: its packed ones (checked), else its {@code records}. */
  public static PulledPage of(PullResponse response) {
    if (response.hasPacked()) {
      if (response.getRecordsCount() > 0) {
        throw new ProtocolException(
            "PullResponse.packed and PullResponse.records are both set; send one of them");
      }
      return packed("PullResponse.packed", response.getPacked());
    }
    return of(response.getRecordsList());
  }

  public static PulledPage of(List<Record> records) {
    if (records.isEmpty()) {
      return EMPTY;
    }
    int fields = 0;
    for (Record record : records) {
      fields += record.getFieldsCount();
    }
    PulledPage page = new PulledPage(records.size(), fields);
    int field = 0;
    for (int i = 0; i < records.size(); i++) {
      Record record = records.get(i);
      page.tables[i] = record.getTable();
      page.ids[i] = record.getRecordId();
      page.flags[i] =
          (byte)
              ((record.getDeleted() ? 1 : 0)
                  | (record.getAbsent() ? 2 : 0)
                  | (record.getEvicted() ? 4 : 0));
      page.seqs[i] = record.getSeq();
      page.firstField[i] = field;
      for (Field each : record.getFieldsList()) {
        page.columns[field] = each.getColumn();
        page.hlcs[field] = each.getHlc();
        page.values[field] = Values.fromWire(each.getValue());
        field++;
      }
    }
    page.firstField[records.size()] = field;
    return page;
  }

  /**
   * Reads packed records, checking every count and index first.
   *
   * @throws ProtocolException naming what is inconsistent
   */
  static PulledPage packed(String where, PackedRecords packed) {
    int count = packed.getTablesCount();
    Unpacking.requireCountOrNone(where, "flags", packed.getFlagsCount(), count);
    Unpacking.requireCount(where, "seqs", packed.getSeqsCount(), count);
    Unpacking.requireCount(where, "field_counts", packed.getFieldCountsCount(), count);
    int fields = Unpacking.totalFields(where, packed.getFieldCountsList());
    Unpacking.requireCount(where, "columns", packed.getColumnsCount(), fields);
    Unpacking.requireCount(where, "hlcs", packed.getHlcsCount(), fields);
    List<String> ids = IdPlanes.read(where, packed.getIds(), count);
    ValueColumns.Reader values = new ValueColumns.Reader(where, packed.getValues(), fields);
    List<PackedTable> names = packed.getNamesList();
    PulledPage page = new PulledPage(count, fields);
    boolean hasFlags = packed.getFlagsCount() > 0;
    int field = 0;
    long seq = 0;
    long hlc = 0;
    for (int i = 0; i < count; i++) {
      int flags = hasFlags ? packed.getFlags(i) : 0;
      if ((flags & ~7) != 0) {
        throw new ProtocolException(
            where + ".flags[" + i + "] is " + Integer.toUnsignedString(flags) + "; only bits 0-2");
      }
      seq += packed.getSeqs(i);
      PackedTable table = Unpacking.table(where, names, packed.getTables(i));
      page.tables[i] = table.getName();
      page.ids[i] = ids.get(i);
      page.flags[i] = (byte) flags;
      page.seqs[i] = seq;
      page.firstField[i] = field;
      int end = field + packed.getFieldCounts(i);
      for (; field < end; field++) {
        hlc += packed.getHlcs(field);
        page.columns[field] = Unpacking.column(where, table, packed.getColumns(field));
        page.hlcs[field] = hlc;
        page.values[field] = values.nextObject();
      }
    }
    page.firstField[count] = field;
    return page;
  }

  /** How many records the page holds. */
  public int size() {
    return tables.length;
  }

  public String table(int record) {
    return tables[record];
  }

  public String recordId(int record) {
    return ids[record];
  }

  public boolean deleted(int record) {
    return (flags[record] & 1) != 0;
  }

  public boolean absent(int record) {
    return (flags[record] & 2) != 0;
  }

  public boolean evicted(int record) {
    return (flags[record] & 4) != 0;
  }

  public long seq(int record) {
    return seqs[record];
  }

  /** The position of the record's first field among the page's fields. */
  public int firstField(int record) {
    return firstField[record];
  }

  /** The position after the record's last field. */
  public int endField(int record) {
    return firstField[record + 1];
  }

  public String column(int field) {
    return columns[field];
  }

  public long hlc(int field) {
    return hlcs[field];
  }

  /** The field's value: Long, Double, String, Boolean or null. */
  public Object value(int field) {
    return values[field];
  }

  /** Record {@code record} as a message. */
  public Record record(int record) {
    Record.Builder built =
        Record.newBuilder()
            .setTable(tables[record])
            .setRecordId(ids[record])
            .setDeleted(deleted(record))
            .setAbsent(absent(record))
            .setEvicted(evicted(record))
            .setSeq(seqs[record]);
    for (int field = firstField[record]; field < firstField[record + 1]; field++) {
      built.addFields(
          Field.newBuilder()
              .setColumn(columns[field])
              .setValue(Values.toWire(values[field]))
              .setHlc(hlcs[field]));
    }
    return built.build();
  }
}
