package io.fieldsync.server.pull;

import io.fieldsync.order.ForeignKeyOrder;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.Table;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.wire.Field;
import io.fieldsync.wire.Packing;
import io.fieldsync.wire.Record;
import io.fieldsync.wire.Values;

/**
 * A record as a pull sends it: a tombstone, an eviction, or the fields {@code sent} (indexes into
 * the table's columns, {@code count} of them) with their stamps and values (looked up in the stored
 * record once, when selected).
 */
record Outgoing(
    Table table,
    StoredRecord stored,
    boolean evicted,
    Column[] columns,
    int[] sent,
    long[] hlcs,
    Object[] values,
    int count) {
  private static final Column[] NO_FIELDS = new Column[0];
  private static final int[] NO_COLUMNS = new int[0];
  private static final long[] NO_HLCS = new long[0];
  private static final Object[] NO_VALUES = new Object[0];

  /** A tombstone: no fields travel. */
  static Outgoing tombstone(Table table, StoredRecord stored) {
    return new Outgoing(table, stored, false, NO_FIELDS, NO_COLUMNS, NO_HLCS, NO_VALUES, 0);
  }

  /** The removal of a record that left the puller's scopes: no values travel. */
  static Outgoing evicted(Table table, StoredRecord stored) {
    return new Outgoing(table, stored, true, NO_FIELDS, NO_COLUMNS, NO_HLCS, NO_VALUES, 0);
  }

  boolean deleted() {
    return evicted || stored.deleted();
  }

  Column column(int field) {
    return columns[sent[field]];
  }

  Record toRecord() {
    Record.Builder record =
        Record.newBuilder().setTable(table.name()).setRecordId(stored.id()).setSeq(stored.seq());
    if (deleted()) {
      return record.setDeleted(true).setEvicted(evicted).build();
    }
    for (int i = 0; i < count; i++) {
      record.addFields(
          Field.newBuilder()
              .setColumn(column(i).name())
              .setValue(Values.toWire(values[i]))
              .setHlc(hlcs[i]));
    }
    return record.build();
  }

  void writeTo(Packing.RecordsWriter writer) {
    writer.record(table.name(), stored.id(), stored.seq(), deleted(), false, evicted);
    for (int i = 0; i < count; i++) {
      writer.field(column(i).name(), hlcs[i], values[i]);
    }
  }

  /** Orders records by foreign key, parents first, deletes last. */
  static final ForeignKeyOrder.Adapter<Outgoing> FOREIGN_KEYS =
      new ForeignKeyOrder.Adapter<>() {
        @Override
        public String table(Outgoing item) {
          return item.table().name();
        }

        @Override
        public String recordId(Outgoing item) {
          return item.stored().id();
        }

        @Override
        public boolean isDelete(Outgoing item) {
          return item.deleted();
        }

        @Override
        public Object value(Outgoing item, String column) {
          for (int i = 0; i < item.count(); i++) {
            if (item.column(i).name().equals(column)) {
              return item.values()[i];
            }
          }
          return null;
        }
      };
}
