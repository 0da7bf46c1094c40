package io.fieldsync.client.internal.apply;

import io.fieldsync.order.ForeignKeyOrder;
import io.fieldsync.wire.Field;
import io.fieldsync.wire.Record;
import io.fieldsync.wire.Values;

/** How the foreign-key order reads a pulled record. */
public final class RecordOrder implements ForeignKeyOrder.Adapter<Record> {
  public static final RecordOrder INSTANCE = new RecordOrder();

  private RecordOrder() {}

  @Override
  public String table(Record item) {
    return item.getTable();
  }

  @Override
  public String recordId(Record item) {
    return item.getRecordId();
  }

  @Override
  public boolean isDelete(Record item) {
    return item.getDeleted() || item.getAbsent();
  }

  @Override
  public Object value(Record item, String column) {
    for (Field field : item.getFieldsList()) {
      if (field.getColumn().equals(column)) {
        return Values.fromWire(field.getValue());
      }
    }
    return null;
  }
}
