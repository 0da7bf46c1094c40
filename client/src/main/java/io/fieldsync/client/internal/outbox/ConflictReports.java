package io.fieldsync.client.internal.outbox;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import io.fieldsync.client.ConflictExplanation;
import io.fieldsync.client.ConflictExplanation.Outcome;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.ChangeResult;
import io.fieldsync.wire.Field;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.Record;
import io.fieldsync.wire.Value;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Explains the server's answer to a pushed change that was not applied as sent, field by field.
 *
 * <p>The answer carries what is needed: the status, the reason, the parked columns and the record
 * as the server holds it (the winning values). The strategy is the column's rule in the schema the
 * device and server share (a push names its schema version, and a device never pushes under a
 * schema older than the server's without migrating first); for a whole record it is the table's
 * {@code on_delete} rule, or the {@code on_parent_delete} rule the server's reason names.
 */
public final class ConflictReports {
  private static final Gson GSON =
      new GsonBuilder().serializeNulls().disableHtmlEscaping().create();

  private final Schema schema;

  public ConflictReports(Schema schema) {
    this.schema = schema;
  }

  /** The explanations of one result; empty for an {@code APPLIED} one. */
  public List<ConflictExplanation> explain(Change change, ChangeResult result) {
    return switch (result.getStatus()) {
      case MERGED -> merged(change, result);
      case PARKED -> parked(change, result);
      case REJECTED -> rejected(change, result);
      default -> List.of();
    };
  }

  private List<ConflictExplanation> merged(Change change, ChangeResult result) {
    Record server = result.getServerRecord();
    if (change.getOp() == Op.OP_DELETE) {
      String rule =
          result.getReason().contains("restore_parent") ? "restore_parent" : "update_wins";
      String why =
          rule.equals("restore_parent")
              ? "other records still belong to it"
              : "someone else changed it after you last synced";
      return List.of(
          record(
              Outcome.MERGED,
              change,
              rule,
              null,
              recordJson(server),
              "Your deletion of this "
                  + change.getTable()
                  + " record was not kept because "
                  + why
                  + "; the record stays."));
    }
    if (server.getDeleted() || server.getAbsent()) {
      boolean cascaded = result.getReason().contains("cascade");
      return List.of(
          record(
              Outcome.MERGED,
              change,
              cascaded ? "cascade" : "delete_wins",
              ChangeFields.json(change),
              null,
              "Your change to this "
                  + change.getTable()
                  + " record was not kept because "
                  + (cascaded ? "the record it belongs to" : "the record")
                  + " was deleted elsewhere."));
    }
    return changedFields(change, server, List.of());
  }

  /**
   * A merged explanation for each field the server holds with another value than the device sent,
   * less the {@code parked} ones.
   */
  private List<ConflictExplanation> changedFields(
      Change change, Record server, List<String> parked) {
    List<ConflictExplanation> explained = new ArrayList<>();
    for (FieldChange field : change.getFieldsList()) {
      Field held = serverField(server, field.getColumn());
      if (held == null || parked.contains(field.getColumn())) {
        continue;
      }
      String device = json(field.getValue());
      String winning = json(held.getValue());
      if (device.equals(winning)) {
        continue;
      }
      String rule = rule(change.getTable(), field.getColumn());
      explained.add(
          field(
              Outcome.MERGED,
              change,
              field.getColumn(),
              rule,
              device,
              winning,
              mergedSentence(rule, field.getColumn(), winning)));
    }
    return explained;
  }

  private static String mergedSentence(String rule, String column, String winning) {
    String now = "; it is now " + shown(winning) + ".";
    return switch (rule) {
      case "lww" ->
          "Your change to " + column + " was replaced by a later change made elsewhere" + now;
      case "server_wins" ->
          "Your change to "
              + column
              + " was not kept because the server's value wins when both change; it stays "
              + shown(winning)
              + ".";
      case "sum" -> "Your change to " + column + " was added to changes made elsewhere" + now;
      case "max", "min" ->
          "Your change to "
              + column
              + " was combined with changes made elsewhere and the "
              + (rule.equals("max") ? "largest" : "smallest")
              + " value was kept"
              + now;
      case "union" ->
          "Your additions and removals in "
              + column
              + " were combined with changes made elsewhere"
              + now;
      default -> "Your change to " + column + " was combined with a change made elsewhere" + now;
    };
  }

  private List<ConflictExplanation> parked(Change change, ChangeResult result) {
    Record server = result.getServerRecord();
    if (result.getParkedColumnsCount() == 0) {
      boolean delete = change.getOp() == Op.OP_DELETE;
      return List.of(
          record(
              Outcome.PARKED,
              change,
              "review",
              delete || change.getFieldsCount() == 0 ? null : ChangeFields.json(change),
              server.getDeleted() || server.getAbsent() ? null : recordJson(server),
              delete
                  ? "Your deletion of this "
                      + change.getTable()
                      + " record was kept for review because other records still belong to it;"
                      + " a coordinator will choose."
                  : "Your change to this "
                      + change.getTable()
                      + " record was kept for review because the record it belongs to was deleted"
                      + " elsewhere; a coordinator will choose."));
    }
    List<ConflictExplanation> explained = new ArrayList<>();
    for (String column : result.getParkedColumnsList()) {
      String device = null;
      for (FieldChange field : change.getFieldsList()) {
        if (field.getColumn().equals(column)) {
          device = json(field.getValue());
        }
      }
      Field held = serverField(server, column);
      explained.add(
          field(
              Outcome.PARKED,
              change,
              column,
              rule(change.getTable(), column),
              device,
              held == null ? null : json(held.getValue()),
              "Your change to "
                  + column
                  + " was kept for review because someone else also changed it; a coordinator"
                  + " will choose."));
    }
    explained.addAll(changedFields(change, server, result.getParkedColumnsList()));
    return explained;
  }

  private List<ConflictExplanation> rejected(Change change, ChangeResult result) {
    Record server = result.getServerRecord();
    String problem = problem(result.getReason());
    for (FieldChange field : change.getFieldsList()) {
      if (result.getReason().contains("column '" + field.getColumn() + "'")) {
        Field held = result.hasServerRecord() ? serverField(server, field.getColumn()) : null;
        return List.of(
            field(
                Outcome.REJECTED,
                change,
                field.getColumn(),
                rule(change.getTable(), field.getColumn()),
                json(field.getValue()),
                held == null ? null : json(held.getValue()),
                "Your change to "
                    + field.getColumn()
                    + " was refused by the server and not saved: "
                    + problem
                    + "."));
      }
    }
    boolean delete = change.getOp() == Op.OP_DELETE;
    Table table = schema.table(change.getTable());
    return List.of(
        record(
            Outcome.REJECTED,
            change,
            delete && table != null ? table.onDelete().schemaName() : null,
            delete ? null : ChangeFields.json(change),
            !result.hasServerRecord() || server.getDeleted() || server.getAbsent()
                ? null
                : recordJson(server),
            (delete ? "Your deletion of this " : "Your change to this ")
                + change.getTable()
                + " record was refused by the server and not saved: "
                + problem
                + "."));
  }

  /** The explanations stored with a rejected or parked entry, as JSON. */
  public static String toJson(List<ConflictExplanation> explanations) {
    return GSON.toJson(explanations.toArray(new ConflictExplanation[0]));
  }

  /** Explanations stored by {@link #toJson}; empty for null or unreadable text. */
  public static List<ConflictExplanation> fromJson(String json) {
    if (json == null) {
      return List.of();
    }
    try {
      ConflictExplanation[] read = GSON.fromJson(json, ConflictExplanation[].class);
      return read == null ? List.of() : List.of(read);
    } catch (JsonParseException | NullPointerException e) {
      return List.of();
    }
  }

  /** A value as JSON text; a real JSON cannot hold (NaN, infinity) is written as its text. */
  static String json(Value value) {
    return GSON.toJson(ChangeFields.plain(value));
  }

  private static String recordJson(Record record) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (Field field : record.getFieldsList()) {
      values.put(field.getColumn(), ChangeFields.plain(field.getValue()));
    }
    return GSON.toJson(values);
  }

  private static Field serverField(Record record, String column) {
    for (Field field : record.getFieldsList()) {
      if (field.getColumn().equals(column)) {
        return field;
      }
    }
    return null;
  }

  private String rule(String tableName, String columnName) {
    Table table = schema.table(tableName);
    Column column = table == null ? null : table.column(columnName);
    return column == null ? null : table.ruleFor(column).schemaName();
  }

  /** The server's reason without the "table 'x', record 'y', column 'z': " it starts with. */
  private static String problem(String reason) {
    if (reason.isEmpty()) {
      return "no reason given";
    }
    int where = reason.startsWith("table '") ? reason.indexOf("': ") : -1;
    return where < 0 ? reason : reason.substring(where + 3);
  }

  private static String shown(String json) {
    return json == null || json.equals("null") ? "empty" : json;
  }

  private static ConflictExplanation field(
      Outcome outcome,
      Change change,
      String column,
      String rule,
      String device,
      String winning,
      String message) {
    return new ConflictExplanation(
        outcome, change.getTable(), change.getRecordId(), column, rule, device, winning, message);
  }

  private static ConflictExplanation record(
      Outcome outcome, Change change, String rule, String device, String winning, String message) {
    return field(outcome, change, null, rule, device, winning, message);
  }
}
