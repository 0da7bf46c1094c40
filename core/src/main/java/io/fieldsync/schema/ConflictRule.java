package io.fieldsync.schema;

import io.fieldsync.conflict.ConflictStrategy;
import java.util.Locale;

/** The per-column conflict strategies a schema can name; each maps to one shared implementation. */
public enum ConflictRule {
  LWW(ConflictStrategy.lastWriterWins()),
  SERVER_WINS(ConflictStrategy.serverWins()),
  SUM(ConflictStrategy.sum()),
  MAX(ConflictStrategy.max()),
  MIN(ConflictStrategy.min()),
  UNION(ConflictStrategy.union()),
  MANUAL(ConflictStrategy.manual());

  private final ConflictStrategy strategy;

  ConflictRule(ConflictStrategy strategy) {
    this.strategy = strategy;
  }

  public ConflictStrategy strategy() {
    return strategy;
  }

  public String schemaName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ConflictRule fromSchemaName(String name) {
    for (ConflictRule rule : values()) {
      if (rule.schemaName().equals(name)) {
        return rule;
      }
    }
    throw new IllegalArgumentException(
        "unknown conflict strategy '"
            + name
            + "' (expected lww, server_wins, sum, max, min, union or manual)");
  }

  /** Whether this rule can merge values of the given type; null when it can, else the reason. */
  String unsupportedFor(ColumnType type) {
    switch (this) {
      case SUM:
        return type == ColumnType.INTEGER
            ? null
            : "sum needs an integer column (counters add whole increments)";
      case MAX:
      case MIN:
        return type.isOrdered()
            ? null
            : schemaName() + " needs an integer, real, text or timestamp column";
      case UNION:
        return type == ColumnType.JSON ? null : "union needs a json column holding an array";
      default:
        return null;
    }
  }
}
