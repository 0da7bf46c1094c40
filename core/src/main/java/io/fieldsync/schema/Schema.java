package io.fieldsync.schema;

import io.fieldsync.ConfigException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The server-owned description of every synced table. Immutable; load one from a YAML file with
 * {@code SchemaLoader} (module {@code fieldsync-schema-yaml}).
 */
public record Schema(int version, Map<String, Table> tables) {

  public Schema {
    if (version < 1) {
      throw new IllegalArgumentException("schema version must be 1 or more, found " + version);
    }
    tables = Collections.unmodifiableMap(new LinkedHashMap<>(tables));
  }

  /**
   * The column whose value is the scope of {@code table}'s rows: its own scope column, or for a
   * table scoped through a parent ({@link Table#scopeVia}) that of the first table up its chain
   * that names one; null for a table without scope (or a chain that ends in none, which {@code
   * SchemaLoader} refuses).
   */
  public String scopeColumn(Table table) {
    Table current = table;
    for (int depth = 0; current != null && depth <= tables.size(); depth++) {
      if (current.scope() != null) {
        return current.scope();
      }
      current = scopeParent(current);
    }
    return null;
  }

  /** The table whose rows give {@code table}'s rows their scope, or null when it takes none. */
  public Table scopeParent(Table table) {
    if (table.scopeVia() == null) {
      return null;
    }
    Column via = table.column(table.scopeVia());
    return via == null || via.references() == null ? null : tables.get(via.references());
  }

  public Table table(String name) {
    return tables.get(name);
  }

  /**
   * The table by name.
   *
   * @throws ConfigException when there is no such table
   */
  public Table requireTable(String name) {
    Table table = tables.get(name);
    if (table == null) {
      throw new ConfigException("unknown table '" + name + "'; the schema has " + tables.keySet());
    }
    return table;
  }
}
