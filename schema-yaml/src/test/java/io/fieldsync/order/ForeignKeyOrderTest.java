package io.fieldsync.order;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ForeignKeyOrderTest {
  record Item(String table, String id, boolean delete, Map<String, Object> values) {
    @Override
    public String toString() {
      return (delete ? "-" : "+") + table + ":" + id;
    }
  }

  private static final ForeignKeyOrder.Adapter<Item> ADAPTER =
      new ForeignKeyOrder.Adapter<>() {
        @Override
        public String table(Item item) {
          return item.table();
        }

        @Override
        public String recordId(Item item) {
          return item.id();
        }

        @Override
        public boolean isDelete(Item item) {
          return item.delete();
        }

        @Override
        public Object value(Item item, String column) {
          return item.values().get(column);
        }
      };

  private static Item upsert(String table, String id, Map<String, Object> values) {
    return new Item(table, id, false, values);
  }

  private static Item delete(String table, String id) {
    return new Item(table, id, true, Map.of());
  }

  @Test
  void tablesComeParentsFirst() {
    Schema schema = SchemaLoader.load(Path.of("../examples/field-survey/schema.yaml"));

    assertThat(new ForeignKeyOrder(schema).tables())
        .containsExactly("households", "visits", "measurements");
  }

  @Test
  void childrenCreatedBeforeTheirParentsAreReordered() {
    Schema schema = SchemaLoader.load(Path.of("../examples/field-survey/schema.yaml"));
    Item measurement = upsert("measurements", "m1", Map.of("visit_id", "v1"));
    Item visit = upsert("visits", "v1", Map.of("household_id", "h1"));
    Item household = upsert("households", "h1", Map.of());

    List<Item> sorted =
        new ForeignKeyOrder(schema).sort(List.of(measurement, visit, household), ADAPTER);

    assertThat(sorted).containsExactly(household, visit, measurement);
  }

  @Test
  void deletesComeAfterUpsertsChildrenFirst() {
    Schema schema = SchemaLoader.load(Path.of("../examples/field-survey/schema.yaml"));
    Item deleteHousehold = delete("households", "h1");
    Item deleteVisit = delete("visits", "v1");
    Item newHousehold = upsert("households", "h2", Map.of());

    List<Item> sorted =
        new ForeignKeyOrder(schema)
            .sort(List.of(deleteHousehold, deleteVisit, newHousehold), ADAPTER);

    assertThat(sorted).containsExactly(newHousehold, deleteVisit, deleteHousehold);
  }

  @Test
  void selfReferencingTreeIsOrderedRootFirst() {
    Schema schema =
        SchemaLoader.parse(
            """
            version: 1
            tables:
              areas:
                columns:
                  id: { type: text, primary_key: true }
                  parent_id: { type: text, references: areas }
            """);
    Item leaf = upsert("areas", "leaf", Map.of("parent_id", "mid"));
    Item mid = upsert("areas", "mid", Map.of("parent_id", "root"));
    Item root = upsert("areas", "root", Map.of());

    assertThat(new ForeignKeyOrder(schema).sort(List.of(leaf, mid, root), ADAPTER))
        .containsExactly(root, mid, leaf);
  }

  @Test
  void twoTableCycleIsBrokenDeterministically() {
    Schema schema =
        SchemaLoader.parse(
            """
            version: 1
            tables:
              teams:
                columns:
                  id: { type: text, primary_key: true }
                  lead_id: { type: text, references: people }
              people:
                columns:
                  id: { type: text, primary_key: true }
                  team_id: { type: text, references: teams }
            """);
    Item team = upsert("teams", "t1", Map.of("lead_id", "p1"));
    Item person = upsert("people", "p1", Map.of("team_id", "t1"));
    Item lonePerson = upsert("people", "p2", Map.of("team_id", "t1"));

    List<Item> once = new ForeignKeyOrder(schema).sort(List.of(lonePerson, team, person), ADAPTER);
    List<Item> again = new ForeignKeyOrder(schema).sort(List.of(lonePerson, team, person), ADAPTER);

    assertThat(once).containsExactlyInAnyOrder(team, person, lonePerson).isEqualTo(again);
    assertThat(once.indexOf(lonePerson)).isGreaterThan(once.indexOf(team));
  }

  @Test
  void rankOrderOfAnAcyclicSchemaIsExactlyTheOrderAlongTheReferences() {
    Schema schema = SchemaLoader.load(Path.of("../examples/field-survey/schema.yaml"));
    ForeignKeyOrder order = new ForeignKeyOrder(schema);
    String[] tables = {"households", "visits", "measurements", "unknown"};
    String[] parentColumn = {null, "household_id", "visit_id", null};
    for (long seed = 1; seed <= 200; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      int size = 1 + random.nextInt(60);
      List<Item> items = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        int t = random.nextInt(tables.length);
        String id = tables[t].charAt(0) + String.valueOf(random.nextInt(size));
        if (random.nextInt(5) == 0) {
          items.add(delete(tables[t], id));
          continue;
        }
        Map<String, Object> values = new HashMap<>();
        if (parentColumn[t] != null && random.nextInt(4) != 0) {
          values.put(
              parentColumn[t], tables[t - 1].charAt(0) + String.valueOf(random.nextInt(size)));
        }
        items.add(upsert(tables[t], id, values));
      }

      assertThat(order.sortByRank(items, ADAPTER))
          .as("seed %d, items %s", seed, items)
          .containsExactlyElementsOf(order.sortByReferences(items, ADAPTER));
    }
  }
}
