package io.fieldsync.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.ConfigException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SchemaLoaderTest {

  @Test
  void exampleFieldSurveySchemaLoads() {
    Schema schema = SchemaLoader.load(Path.of("../examples/field-survey/schema.yaml"));

    assertThat(schema.version()).isEqualTo(1);
    assertThat(schema.tables()).containsOnlyKeys("households", "visits", "measurements");
    Table households = schema.requireTable("households");
    assertThat(households.primaryKey().name()).isEqualTo("id");
    assertThat(households.scope()).isEqualTo("region");
    assertThat(households.ruleFor(households.column("visit_count"))).isEqualTo(ConflictRule.SUM);
    assertThat(households.ruleFor(households.column("head_name"))).isEqualTo(ConflictRule.LWW);
    assertThat(households.onDelete()).isEqualTo(DeleteRule.DELETE_WINS);
    Column parent = schema.requireTable("visits").column("household_id");
    assertThat(parent.references()).isEqualTo("households");
    assertThat(parent.onParentDelete()).isEqualTo(ParentDeleteRule.REVIEW);
    assertThat(schema.requireTable("measurements").column("visit_id").onParentDelete())
        .isEqualTo(ParentDeleteRule.CASCADE);
  }

  @Test
  void wireFormRoundTripsTheSchema() {
    Schema schema = SchemaLoader.load(Path.of("../examples/field-survey/schema.yaml"));

    assertThat(SchemaCodec.fromWire(SchemaCodec.toWire(schema))).isEqualTo(schema);
  }

  @Test
  void readOnlyTableIsMarkedAndTravelsInTheWireForm() {
    String yaml =
        """
        version: 1
        tables:
          districts:
            read_only: true
            columns:
              id:   { type: text, primary_key: true }
              name: { type: text }
          households:
            columns:
              id: { type: uuid, primary_key: true }
        """;

    Schema schema = SchemaLoader.parse(yaml);

    assertThat(schema.requireTable("districts").readOnly()).isTrue();
    assertThat(schema.requireTable("households").readOnly()).isFalse();
    assertThat(SchemaCodec.fromWire(SchemaCodec.toWire(schema))).isEqualTo(schema);
  }

  @Test
  void readOnlyThatIsNotAFlagIsRefused() {
    String yaml =
        """
        version: 1
        tables:
          districts:
            read_only: "yes please"
            columns:
              id: { type: text, primary_key: true }
        """;

    assertThatThrownBy(() -> SchemaLoader.parse(yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "schema: table 'districts' read_only must be true or false, found 'yes please'");
  }

  @Test
  void columnDefinedTwiceIsRefusedWithKeyAndLine() {
    // Regression: the second definition silently replaced the first.
    String yaml =
        """
        version: 1
        tables:
          households:
            columns:
              id:     { type: uuid, primary_key: true }
              region: { type: text, required: true }
              region: { type: integer }
        """;

    assertThatThrownBy(() -> SchemaLoader.parse(yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "schema: duplicate key 'region' at line 7, column 7 (in the mapping that starts at line"
                + " 5); define each table, column and setting once");
  }

  @Test
  void tableDefinedTwiceIsRefusedWithKeyAndLine() {
    String yaml =
        """
        version: 1
        tables:
          households:
            columns:
              id: { type: uuid, primary_key: true }
          households:
            columns:
              id: { type: text, primary_key: true }
        """;

    assertThatThrownBy(() -> SchemaLoader.parse(yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "schema: duplicate key 'households' at line 6, column 3 (in the mapping that starts at"
                + " line 3); define each table, column and setting once");
  }

  @Test
  void unknownReferenceNamesTableAndColumn() {
    String yaml =
        """
        version: 1
        tables:
          visits:
            columns:
              id: { type: uuid, primary_key: true }
              household_id: { type: uuid, references: househlds }
        """;

    assertThatThrownBy(() -> SchemaLoader.parse(yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "schema: table 'visits', column 'household_id': references unknown table 'househlds';"
                + " the schema has [visits]");
  }

  @Test
  void unknownTypeNamesTableAndColumn() {
    String yaml =
        """
        version: 1
        tables:
          t:
            columns:
              id: { type: uuid, primary_key: true }
              size: { type: bigint }
        """;

    assertThatThrownBy(() -> SchemaLoader.parse(yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "schema: table 't', column 'size': unknown type 'bigint' (expected uuid, text,"
                + " integer, real, boolean, timestamp or json)");
  }

  @Test
  void strategyThatCannotMergeTheTypeIsRefused() {
    String yaml =
        """
        version: 1
        tables:
          t:
            columns:
              id: { type: uuid, primary_key: true }
              name: { type: text, conflict: sum }
        """;

    assertThatThrownBy(() -> SchemaLoader.parse(yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "schema: table 't', column 'name' (text): sum needs an integer column (counters add"
                + " whole increments)");
  }

  @Test
  void missingPrimaryKeyIsRefused() {
    String yaml =
        """
        version: 1
        tables:
          t:
            columns:
              name: { type: text }
        """;

    assertThatThrownBy(() -> SchemaLoader.parse(yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessage("schema: table 't': expected exactly one primary_key column, found 0");
  }

  @Test
  void unknownKeyIsRefusedWithTheAllowedOnes() {
    String yaml =
        """
        version: 1
        tables:
          t:
            columns:
              id: { type: uuid, primary_key: true, nullable: false }
        """;

    assertThatThrownBy(() -> SchemaLoader.parse(yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "schema: table 't', column 'id': unknown key 'nullable' (allowed: [conflict,"
                + " on_parent_delete, primary_key, references, required, type])");
  }

  @Test
  void reservedTableNameIsRefused() {
    String yaml =
        """
        version: 1
        tables:
          _fs_records:
            columns:
              id: { type: uuid, primary_key: true }
        """;

    assertThatThrownBy(() -> SchemaLoader.parse(yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("table '_fs_records': name must be lower-case letters");
  }

  @Test
  void missingVersionIsRefused() {
    assertThatThrownBy(() -> SchemaLoader.parse("tables: {}"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("schema: 'version' must be a whole number, found nothing");
  }

  @Test
  void brokenYamlIsRefused() {
    assertThatThrownBy(() -> SchemaLoader.parse("version: [1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("schema: not valid YAML:");
  }

  @Test
  void missingFileIsNamed() {
    assertThatThrownBy(() -> SchemaLoader.load(Path.of("no/such/schema.yaml")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("schema file not found: no/such/schema.yaml");
  }
}
