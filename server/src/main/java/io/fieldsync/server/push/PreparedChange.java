package io.fieldsync.server.push;

import io.fieldsync.order.ForeignKeyOrder;
import io.fieldsync.schema.Table;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.Op;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A change after validation: accepted (fields checked) or rejected with a reason. */
final class PreparedChange {
  /** Orders changes by foreign key, parents first (see {@link ForeignKeyOrder}). */
  static final ForeignKeyOrder.Adapter<PreparedChange> FOREIGN_KEYS =
      new ForeignKeyOrder.Adapter<>() {
        @Override
        public String table(PreparedChange item) {
          return item.table.name();
        }

        @Override
        public String recordId(PreparedChange item) {
          return item.id;
        }

        @Override
        public boolean isDelete(PreparedChange item) {
          return item.isDelete();
        }

        @Override
        public Object value(PreparedChange item, String column) {
          return item.valuesByColumn.get(column);
        }
      };

  /** The change's place in the request. */
  final int index;

  final Change change;

  /** The change's table, or null when the schema has none of that name. */
  final Table table;

  /** The record id in its canonical form, or null when it is missing or malformed. */
  final String id;

  final List<PreparedField> fields = new ArrayList<>();
  final Map<String, Object> valuesByColumn = new HashMap<>();
  long hlc;
  String rejection;

  /** Rejected for a record outside the device's scopes: its server state must not travel. */
  boolean hidden;

  /** An update of a record the server never had: a sign that the device's rows differ. */
  boolean unknownRecord;

  /**
   * The change's record in its batch's working set, once the batch has loaded it (a batch keeps one
   * working record per record); null for a change naming no known table or no valid id.
   */
  WorkingRecord record;

  /** The fields as the device sent them, encoded for the journal ({@code SentFields}). */
  byte[] sentFields;

  /** Whether the change is a delete: asked many times per change (sorting, rules, journal). */
  private final boolean delete;

  PreparedChange(int index, Change change, Table table, String id) {
    this.index = index;
    this.change = change;
    this.table = table;
    this.id = id;
    this.delete = change.getOp() == Op.OP_DELETE;
  }

  boolean isDelete() {
    return delete;
  }

  boolean isAccepted() {
    return rejection == null;
  }

  /** Where the change is, for a reason (built only when one is given). */
  String where() {
    return "table '" + table.name() + "', record '" + id + "'";
  }
}
