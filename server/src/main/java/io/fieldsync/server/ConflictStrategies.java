package io.fieldsync.server;

import io.fieldsync.schema.Column;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.ChangeResult;
import io.fieldsync.wire.ChangeStatus;
import io.fieldsync.wire.Field;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.Value;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Which strategies decided a pushed change that was merged or parked. Thread-safe. */
public final class ConflictStrategies {
  /** The label of a change merged by a record-level rule rather than a column's strategy. */
  public static final String RECORD_RULE = "record";

  private final Schema schema;

  public ConflictStrategies(Schema schema) {
    this.schema = schema;
  }

  /**
   * Parked columns under theirs ({@code manual}); for a merge, the columns whose value ended other
   * than sent, or {@link #RECORD_RULE} when none did (a delete rule, a deleted parent). Empty for
   * any other outcome or an unknown table.
   */
  public Set<String> of(Change change, ChangeResult result) {
    Set<String> strategies = new TreeSet<>();
    Table table = schema.table(change.getTable());
    if (table == null) {
      return strategies;
    }
    if (result.getStatus() == ChangeStatus.PARKED) {
      for (String column : result.getParkedColumnsList()) {
        strategies.add(strategy(table, column));
      }
    } else if (result.getStatus() == ChangeStatus.MERGED) {
      Map<String, Value> stored = new HashMap<>();
      for (Field field : result.getServerRecord().getFieldsList()) {
        stored.put(field.getColumn(), field.getValue());
      }
      for (FieldChange sent : change.getFieldsList()) {
        Value value = stored.get(sent.getColumn());
        if (value != null && !value.equals(sent.getValue())) {
          strategies.add(strategy(table, sent.getColumn()));
        }
      }
      if (strategies.isEmpty()) {
        strategies.add(RECORD_RULE);
      }
    }
    return strategies;
  }

  private static String strategy(Table table, String columnName) {
    Column column = table.column(columnName);
    return column == null ? RECORD_RULE : table.ruleFor(column).schemaName();
  }
}
