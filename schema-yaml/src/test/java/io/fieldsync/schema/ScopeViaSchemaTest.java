package io.fieldsync.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.ConfigException;
import org.junit.jupiter.api.Test;

/** {@code scope: { via: column }}: a table that takes its rows' scope from a parent. */
class ScopeViaSchemaTest {
  private static final String CHAIN =
      """
      version: 1
      tables:
        villages:
          scope: region
          columns:
            id:     { type: uuid, primary_key: true }
            region: { type: text }
        households:
          scope: { via: village_id }
          columns:
            id:         { type: uuid, primary_key: true }
            village_id: { type: uuid, references: villages, on_parent_delete: cascade }
        visits:
          scope: { via: household_id }
          columns:
            id:           { type: uuid, primary_key: true }
            household_id: { type: uuid, references: households }
      """;

  @Test
  void aChainOfParentsResolvesToTheColumnThatHoldsTheScope() {
    Schema schema = SchemaLoader.parse(CHAIN);

    Table visits = schema.requireTable("visits");
    assertThat(visits.scope()).isNull();
    assertThat(visits.scopeVia()).isEqualTo("household_id");
    assertThat(visits.scoped()).isTrue();
    assertThat(schema.scopeParent(visits).name()).isEqualTo("households");
    assertThat(schema.scopeColumn(visits)).isEqualTo("region");
    assertThat(schema.scopeColumn(schema.requireTable("households"))).isEqualTo("region");
    assertThat(schema.scopeColumn(schema.requireTable("villages"))).isEqualTo("region");
    assertThat(schema.scopeParent(schema.requireTable("villages"))).isNull();
  }

  @Test
  void theParentTravelsInTheWireForm() {
    Schema schema = SchemaLoader.parse(CHAIN);

    Schema received = SchemaCodec.fromWire(SchemaCodec.toWire(schema));

    assertThat(received).isEqualTo(schema);
    assertThat(received.requireTable("visits").scopeVia()).isEqualTo("household_id");
  }

  @Test
  void aViaColumnThatIsNotAForeignKeyIsRefused() {
    refused(
        CHAIN.replace(
            "household_id: { type: uuid, references: households }", "household_id: { type: uuid }"),
        "schema: table 'visits': scope via names column 'household_id', which is not a foreign"
            + " key; give it 'references: <parent table>'");
  }

  @Test
  void aViaColumnTheTableLacksIsRefused() {
    refused(
        CHAIN.replace("scope: { via: household_id }", "scope: { via: house_id }"),
        "schema: table 'visits': scope via names column 'house_id', which the table does not"
            + " have");
  }

  @Test
  void aViaColumnReferencingAnUnknownTableIsRefused() {
    refused(
        CHAIN.replace("references: households }", "references: housholds }"),
        "schema: table 'visits', column 'household_id': references unknown table 'housholds';"
            + " the schema has [villages, households, visits]");
  }

  @Test
  void aParentWithoutScopeIsRefused() {
    refused(
        CHAIN.replace("scope: region", "conflict: lww"),
        "schema: table 'households': scope via 'village_id' leads to table 'villages', which has"
            + " no scope; give it 'scope: <column>' or 'scope: { via: <column> }'");
  }

  @Test
  void aCycleOfParentsIsRefused() {
    String cycle =
        """
        version: 1
        tables:
          a:
            scope: { via: b_id }
            columns:
              id:   { type: uuid, primary_key: true }
              b_id: { type: uuid, references: b }
          b:
            scope: { via: a_id }
            columns:
              id:   { type: uuid, primary_key: true }
              a_id: { type: uuid, references: a }
        """;
    refused(
        cycle,
        "schema: table 'a': scope via makes a cycle a -> b -> a; the chain must end at a table"
            + " that names its scope column");
  }

  @Test
  void aTableItsOwnParentIsRefused() {
    String self =
        """
        version: 1
        tables:
          areas:
            scope: { via: parent_id }
            columns:
              id:        { type: text, primary_key: true }
              parent_id: { type: text, references: areas }
        """;
    refused(
        self,
        "schema: table 'areas': scope via makes a cycle areas -> areas; the chain must end at a"
            + " table that names its scope column");
  }

  @Test
  void anUnknownKeyInTheScopeMappingIsRefused() {
    refused(
        CHAIN.replace("scope: { via: household_id }", "scope: { parent: household_id }"),
        "schema: table 'visits' scope: unknown key 'parent' (allowed: [via])");
  }

  @Test
  void aScopeMappingWithoutViaIsRefused() {
    refused(
        CHAIN.replace("scope: { via: household_id }", "scope: {}"),
        "schema: table 'visits' scope via must be text, found nothing");
  }

  private static void refused(String yaml, String message) {
    assertThatThrownBy(() -> SchemaLoader.parse(yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessage(message);
  }
}
