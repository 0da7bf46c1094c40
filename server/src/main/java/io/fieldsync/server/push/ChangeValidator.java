package io.fieldsync.server.push;

import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.ConflictRule;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.server.MessageText;
import io.fieldsync.server.ServerClock;
import io.fieldsync.server.TokenClaims;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.SentFields;
import io.fieldsync.wire.Values;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Checks every change of a push against the schema and the token without touching the store: a
 * change that fails is rejected with a reason naming table, record and column, and the others go
 * on. Accepted changes leave with their fields in canonical form and their stamps capped.
 */
final class ChangeValidator {
  private final Schema schema;
  private final SchemaColumns columns;
  private final SideWork side;

  ChangeValidator(SchemaColumns columns, SideWork side) {
    this.schema = columns.schema();
    this.columns = columns;
    this.side = side;
  }

  /** Every change of the request, in request order, each accepted or rejected. */
  List<PreparedChange> prepare(TokenClaims token, PushRequest request, ServerClock.Guard guard) {
    String tenantMismatch = null;
    if (!request.getTenant().isEmpty() && !request.getTenant().equals(token.tenant())) {
      tenantMismatch =
          "tenant mismatch: the push names tenant '"
              + request.getTenant()
              + "' but the token is for tenant '"
              + token.tenant()
              + "'";
    }
    String mismatch = tenantMismatch;
    int count = request.getChangesCount();
    PreparedChange[] result = new PreparedChange[count];
    int split = SideWork.split(count);
    List<SideWork.Handle<ServerClock.Guard>> second =
        side.startPieces(
            split,
            count,
            (from, to) -> {
              ServerClock.Guard sibling = guard.sibling();
              prepare(token, request, sibling, mismatch, from, to, result);
              return sibling;
            });
    prepare(token, request, guard, mismatch, 0, split, result);
    for (SideWork.Handle<ServerClock.Guard> piece : second) {
      guard.absorb(piece.join());
    }
    return Arrays.asList(result);
  }

  /**
   * Prepares changes {@code from} (inclusive) to {@code to} into their places of {@code result}.
   */
  private void prepare(
      TokenClaims token,
      PushRequest request,
      ServerClock.Guard guard,
      String tenantMismatch,
      int from,
      int to,
      PreparedChange[] result) {
    for (int i = from; i < to; i++) {
      Change change = request.getChanges(i);
      Table table = schema.table(change.getTable());
      String id = canonicalId(table, change.getRecordId());
      PreparedChange prepared = new PreparedChange(i, change, table, id);
      prepared.hlc = guard.admit(change.getHlc());
      prepared.rejection =
          tenantMismatch != null ? tenantMismatch : check(token, prepared, change, table, guard);
      prepared.sentFields = SentFields.encode(change);
      result[i] = prepared;
    }
  }

  private static String canonicalId(Table table, String recordId) {
    if (table == null || recordId.isEmpty()) {
      return null;
    }
    try {
      return (String) table.primaryKey().type().coerce(recordId);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Checks one change; returns the rejection reason or null, filling in the fields. */
  private String check(
      TokenClaims token,
      PreparedChange prepared,
      Change change,
      Table table,
      ServerClock.Guard guard) {
    if (table == null) {
      return "unknown table '"
          + MessageText.abbreviate(change.getTable())
          + "'; the schema (v"
          + schema.version()
          + ") has "
          + schema.tables().keySet();
    }
    if (change.getRecordId().isEmpty()) {
      return "table '" + table.name() + "': the change has no record_id";
    }
    if (prepared.id == null) {
      try {
        table.primaryKey().type().coerce(change.getRecordId());
      } catch (IllegalArgumentException e) {
        return where(table, change)
            + ", column '"
            + table.primaryKey().name()
            + "': bad record id: "
            + e.getMessage();
      }
    }
    if (table.readOnly() && !token.isAdmin()) {
      return where(table, change)
          + ": the table is read-only: its rows come from the server, devices may not write them"
          + " (only a token with role admin may)";
    }
    Op op = change.getOp();
    if (op != Op.OP_INSERT && op != Op.OP_UPDATE && op != Op.OP_DELETE) {
      return where(table, change)
          + ": unknown op "
          + change.getOpValue()
          + " (expected OP_INSERT, OP_UPDATE or OP_DELETE)";
    }
    if (op == Op.OP_DELETE) {
      return null;
    }
    // every accepted data column lands in valuesByColumn, so it also tells a column sent twice
    boolean keySeen = false;
    for (FieldChange field : change.getFieldsList()) {
      Column column = table.column(field.getColumn());
      if (column == null) {
        return columnWhere(table, change, field)
            + ": no such column; the table has "
            + table.columns().keySet();
      }
      boolean twice =
          column.primaryKey() ? keySeen : prepared.valuesByColumn.containsKey(column.name());
      if (twice) {
        return columnWhere(table, change, field) + ": sent twice in one change";
      }
      keySeen |= column.primaryKey();
      Object sent;
      Object value;
      try {
        sent = Values.fromWire(field.getValue());
        value = column.type().coerce(sent);
      } catch (RuntimeException e) {
        return columnWhere(table, change, field) + ": " + e.getMessage();
      }
      if (column.primaryKey()) {
        if (!prepared.id.equals(value)) {
          return columnWhere(table, change, field)
              + ": the primary key value differs from record_id";
        }
        continue;
      }
      if (value == null && column.required()) {
        return columnWhere(table, change, field) + ": required, but the change sets it to null";
      }
      if (field.getAddedCount() > 0 || field.getRemovedCount() > 0) {
        for (String element : concat(field.getAddedList(), field.getRemovedList())) {
          try {
            JsonParser.parseString(element);
          } catch (JsonParseException e) {
            return columnWhere(table, change, field)
                + ": added/removed element is not JSON: '"
                + MessageText.abbreviate(element)
                + "'";
          }
        }
      }
      if (field.getDelta() != 0 && table.ruleFor(column) != ConflictRule.SUM) {
        return columnWhere(table, change, field) + ": a delta is only allowed on sum columns";
      }
      long hlc = field.getHlc() != 0 ? guard.admit(field.getHlc()) : prepared.hlc;
      PreparedField checked =
          new PreparedField(
              column,
              value,
              sent,
              hlc,
              field.getDelta(),
              field.getAddedList(),
              field.getRemovedList(),
              null);
      if (op == Op.OP_INSERT) {
        // an insert's record is usually new: its verdicts need nothing stored
        checked =
            checked.withAbsent(
                FieldResolver.againstAbsent(
                    checked, table.ruleFor(column), change.getBaseSeq(), token.device()));
      }
      prepared.fields.add(checked);
      prepared.valuesByColumn.put(column.name(), value);
    }
    if (op == Op.OP_INSERT) {
      for (Column column : columns.data(table)) {
        if (column.required() && prepared.valuesByColumn.get(column.name()) == null) {
          return where(table, change)
              + ", column '"
              + column.name()
              + "': required, but the insert has no value";
        }
      }
    }
    return null;
  }

  /** Where a rejected change is, for its reason (built only on rejection). */
  private static String where(Table table, Change change) {
    return "table '"
        + table.name()
        + "', record '"
        + MessageText.abbreviate(change.getRecordId())
        + "'";
  }

  private static String columnWhere(Table table, Change change, FieldChange field) {
    return where(table, change) + ", column '" + MessageText.abbreviate(field.getColumn()) + "'";
  }

  private static List<String> concat(List<String> first, List<String> second) {
    List<String> all = new ArrayList<>(first);
    all.addAll(second);
    return all;
  }
}
