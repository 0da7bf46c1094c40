package io.fieldsync.schema;

import io.fieldsync.ConfigException;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.DuplicateKeyException;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads and validates a schema file. Every problem is reported as a {@link ConfigException} naming
 * the file, table, column and what is wrong, so a bad schema fails server start-up clearly.
 */
public final class SchemaLoader {
  private static final Pattern IDENTIFIER = Pattern.compile("[a-z][a-z0-9_]{0,62}");
  private static final Set<String> SCHEMA_KEYS = Set.of("version", "tables");
  private static final Set<String> TABLE_KEYS =
      Set.of("columns", "conflict", "on_delete", "scope", "read_only");
  private static final Set<String> SCOPE_KEYS = Set.of("via");
  private static final Set<String> COLUMN_KEYS =
      Set.of("type", "primary_key", "required", "references", "on_parent_delete", "conflict");

  private SchemaLoader() {}

  public static Schema load(Path file) {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return parse(reader, file.toString());
    } catch (NoSuchFileException e) {
      throw new ConfigException("schema file not found: " + file);
    } catch (IOException e) {
      throw new ConfigException("cannot read schema file " + file + ": " + e.getMessage(), e);
    }
  }

  public static Schema parse(String yaml) {
    return parse(new StringReader(yaml), "schema");
  }

  static Schema parse(Reader reader, String source) {
    Object document;
    try {
      LoaderOptions options = new LoaderOptions();
      // A key defined twice (a column, a table) would silently keep the last definition.
      options.setAllowDuplicateKeys(false);
      document = new Yaml(new SafeConstructor(options)).load(reader);
    } catch (DuplicateKeyException e) {
      throw new ConfigException(
          source
              + ": "
              + "duplicate key '"
              + e.getProblem().replace("found duplicate key ", "")
              + "' at line "
              + (e.getProblemMark().getLine() + 1)
              + ", column "
              + (e.getProblemMark().getColumn() + 1)
              + " (in the mapping that starts at line "
              + (e.getContextMark().getLine() + 1)
              + "); define each table, column and setting once",
          e);
    } catch (YAMLException e) {
      throw new ConfigException(source + ": not valid YAML: " + e.getMessage(), e);
    }
    try {
      return build(document);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(source + ": " + e.getMessage(), e);
    }
  }

  private static Schema build(Object document) {
    Map<String, Object> root = map(document, "the schema");
    unknownKeys(root, SCHEMA_KEYS, "the schema");
    Object version = root.get("version");
    if (!(version instanceof Integer number)) {
      throw new IllegalArgumentException(
          "'version' must be a whole number, found " + (version == null ? "nothing" : version));
    }
    Map<String, Object> tablesNode = map(root.get("tables"), "'tables'");
    if (tablesNode.isEmpty()) {
      throw new IllegalArgumentException("'tables' is empty: declare at least one table");
    }
    Map<String, Table> tables = new LinkedHashMap<>();
    for (Map.Entry<String, Object> entry : tablesNode.entrySet()) {
      tables.put(entry.getKey(), table(entry.getKey(), entry.getValue()));
    }
    Schema schema = new Schema(number, tables);
    checkReferences(schema);
    checkScopeParents(schema);
    return schema;
  }

  private static Table table(String name, Object node) {
    String where = "table '" + name + "'";
    identifier(name, where);
    Map<String, Object> body = map(node, where);
    unknownKeys(body, TABLE_KEYS, where);
    ConflictRule conflict = null;
    DeleteRule onDelete = null;
    try {
      if (body.containsKey("conflict")) {
        conflict = ConflictRule.fromSchemaName(text(body.get("conflict"), where + " conflict"));
      }
      if (body.containsKey("on_delete")) {
        onDelete = DeleteRule.fromSchemaName(text(body.get("on_delete"), where + " on_delete"));
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
    Map<String, Object> columnsNode = map(body.get("columns"), where + " 'columns'");
    Map<String, Column> columns = new LinkedHashMap<>();
    for (Map.Entry<String, Object> entry : columnsNode.entrySet()) {
      columns.put(entry.getKey(), column(name, entry.getKey(), entry.getValue()));
    }
    String scope = null;
    String scopeVia = null;
    if (body.get("scope") instanceof Map<?, ?>) {
      Map<String, Object> scopeNode = map(body.get("scope"), where + " scope");
      unknownKeys(scopeNode, SCOPE_KEYS, where + " scope");
      scopeVia = text(scopeNode.get("via"), where + " scope via");
      if (!columns.containsKey(scopeVia)) {
        throw new IllegalArgumentException(
            where + ": scope via names column '" + scopeVia + "', which the table does not have");
      }
      if (columns.get(scopeVia).references() == null) {
        throw new IllegalArgumentException(
            where
                + ": scope via names column '"
                + scopeVia
                + "', which is not a foreign key; give it 'references: <parent table>'");
      }
    } else if (body.containsKey("scope")) {
      scope = text(body.get("scope"), where + " scope");
      if (!columns.containsKey(scope)) {
        throw new IllegalArgumentException(
            where + ": scope names column '" + scope + "', which the table does not have");
      }
    }
    boolean readOnly = flag(body.get("read_only"), where + " read_only");
    Table table = new Table(name, columns, conflict, onDelete, scope, readOnly, scopeVia);
    Column key = table.primaryKey();
    if (key.type() != ColumnType.UUID && key.type() != ColumnType.TEXT) {
      throw new IllegalArgumentException(
          where
              + ", column '"
              + key.name()
              + "': a primary key must be uuid or text, found "
              + key.type().schemaName());
    }
    for (Column column : table.dataColumns()) {
      String problem = table.ruleFor(column).unsupportedFor(column.type());
      if (problem != null) {
        throw new IllegalArgumentException(
            where
                + ", column '"
                + column.name()
                + "' ("
                + column.type().schemaName()
                + "): "
                + problem);
      }
    }
    return table;
  }

  private static Column column(String table, String name, Object node) {
    String where = "table '" + table + "', column '" + name + "'";
    identifier(name, where);
    Map<String, Object> body = map(node, where);
    unknownKeys(body, COLUMN_KEYS, where);
    try {
      ColumnType type = ColumnType.fromSchemaName(text(body.get("type"), where + " type"));
      boolean primaryKey = flag(body.get("primary_key"), where + " primary_key");
      boolean required = flag(body.get("required"), where + " required") || primaryKey;
      String references =
          body.containsKey("references")
              ? text(body.get("references"), where + " references")
              : null;
      ParentDeleteRule onParentDelete =
          body.containsKey("on_parent_delete")
              ? ParentDeleteRule.fromSchemaName(
                  text(body.get("on_parent_delete"), where + " on_parent_delete"))
              : null;
      ConflictRule conflict =
          body.containsKey("conflict")
              ? ConflictRule.fromSchemaName(text(body.get("conflict"), where + " conflict"))
              : null;
      if (primaryKey && conflict != null) {
        throw new IllegalArgumentException("a primary key cannot have a conflict strategy");
      }
      if (primaryKey && references != null) {
        throw new IllegalArgumentException("a primary key cannot reference another table");
      }
      return new Column(name, type, primaryKey, required, references, onParentDelete, conflict);
    } catch (IllegalArgumentException e) {
      if (e.getMessage() != null && e.getMessage().startsWith(where)) {
        throw e;
      }
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
  }

  private static void checkReferences(Schema schema) {
    for (Table table : schema.tables().values()) {
      for (Column column : table.foreignKeys()) {
        Table parent = schema.table(column.references());
        String where = "table '" + table.name() + "', column '" + column.name() + "'";
        if (parent == null) {
          throw new IllegalArgumentException(
              where
                  + ": references unknown table '"
                  + column.references()
                  + "'; the schema has "
                  + schema.tables().keySet());
        }
        if (parent.primaryKey().type() != column.type()) {
          throw new IllegalArgumentException(
              where
                  + ": is "
                  + column.type().schemaName()
                  + " but references "
                  + parent.name()
                  + "."
                  + parent.primaryKey().name()
                  + ", which is "
                  + parent.primaryKey().type().schemaName());
        }
      }
    }
  }

  /**
   * Every chain of {@code scope: { via: ... }} ends at a table that names its scope column: no
   * chain runs through a table without a scope, and none comes back to where it started.
   */
  private static void checkScopeParents(Schema schema) {
    for (Table table : schema.tables().values()) {
      List<String> chain = new ArrayList<>();
      Table current = table;
      while (current.scopeVia() != null) {
        chain.add(current.name());
        Table parent = schema.scopeParent(current);
        if (chain.contains(parent.name())) {
          chain.add(parent.name());
          throw new IllegalArgumentException(
              "table '"
                  + table.name()
                  + "': scope via makes a cycle "
                  + String.join(" -> ", chain)
                  + "; the chain must end at a table that names its scope column");
        }
        if (!parent.scoped()) {
          throw new IllegalArgumentException(
              "table '"
                  + current.name()
                  + "': scope via '"
                  + current.scopeVia()
                  + "' leads to table '"
                  + parent.name()
                  + "', which has no scope; give it 'scope: <column>' or 'scope: { via: <column>"
                  + " }'");
        }
        current = parent;
      }
    }
  }

  private static void identifier(String name, String where) {
    if (!IDENTIFIER.matcher(name).matches()) {
      throw new IllegalArgumentException(
          where
              + ": name must be lower-case letters, digits and '_', starting with a letter"
              + " (names starting with '_' are reserved for fieldsync)");
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object node, String what) {
    if (node == null) {
      throw new IllegalArgumentException(what + " is missing");
    }
    if (!(node instanceof Map<?, ?> raw)) {
      throw new IllegalArgumentException(what + " must be a mapping, found " + describe(node));
    }
    for (Object key : raw.keySet()) {
      if (!(key instanceof String)) {
        throw new IllegalArgumentException(what + " has a key that is not text: " + key);
      }
    }
    return (Map<String, Object>) raw;
  }

  private static String text(Object node, String what) {
    if (node instanceof String text && !text.isBlank()) {
      return text;
    }
    throw new IllegalArgumentException(what + " must be text, found " + describe(node));
  }

  private static boolean flag(Object node, String what) {
    if (node == null) {
      return false;
    }
    if (node instanceof Boolean value) {
      return value;
    }
    throw new IllegalArgumentException(what + " must be true or false, found " + describe(node));
  }

  private static void unknownKeys(Map<String, Object> node, Set<String> allowed, String where) {
    for (String key : node.keySet()) {
      if (!allowed.contains(key)) {
        throw new IllegalArgumentException(
            where
                + ": unknown key '"
                + key
                + "' (allowed: "
                + List.copyOf(allowed).stream().sorted().toList()
                + ")");
      }
    }
  }

  private static String describe(Object node) {
    if (node == null) {
      return "nothing";
    }
    if (node instanceof Map) {
      return "a mapping";
    }
    if (node instanceof List) {
      return "a list";
    }
    return "'" + node + "'";
  }
}
