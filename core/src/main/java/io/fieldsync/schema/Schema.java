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
