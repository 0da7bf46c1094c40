package io.fieldsync.order;

import io.fieldsync.schema.Column;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Orders record changes along the foreign-key graph: creates and updates with parents before
 * children, then deletes with children before parents.
 *
 * <p>Tables get a rank from a depth-first walk of the references (parents first); records inside
 * one batch that point at each other (a tree in a self-referencing table, a two-table cycle) are
 * ordered by the actual references between them. A reference cycle among records cannot be
 * satisfied by any order; it is broken deterministically at the lowest-ranked record, which is
 * safe because fieldsync does not enforce foreign keys inside a batch. Thread-safe once built.
 */
public final class ForeignKeyOrder {

  /** How to read what the ordering needs from a caller's change type. */
  public interface Adapter<T> {
    String table(T item);

    String recordId(T item);

    boolean isDelete(T item);

    /** The value the item sets for a column, or null when it does not set it. */
    Object value(T item, String column);
  }

  private final Schema schema;
  private final Map<String, Integer> rank = new HashMap<>();

  public ForeignKeyOrder(Schema schema) {
    this.schema = schema;
    Set<String> visiting = new HashSet<>();
    for (Table table : schema.tables().values()) {
      visit(table, visiting);
    }
  }

  private void visit(Table table, Set<String> visiting) {
    if (rank.containsKey(table.name()) || !visiting.add(table.name())) {
      return;
    }
    for (Column column : table.foreignKeys()) {
      Table parent = schema.table(column.references());
      if (parent != null) {
        visit(parent, visiting);
      }
    }
    rank.put(table.name(), rank.size());
  }

  /** Tables with every parent before its children (cycles broken in declaration order). */
  public List<String> tables() {
    List<String> result = new ArrayList<>(rank.keySet());
    result.sort(Comparator.comparingInt(rank::get));
    return result;
  }

  public int rank(String table) {
    return rank.getOrDefault(table, Integer.MAX_VALUE);
  }

  public <T> List<T> sort(List<T> items, Adapter<T> adapter) {
    List<Integer> upserts = new ArrayList<>();
    List<Integer> deletes = new ArrayList<>();
    Map<String, Integer> upsertIndex = new HashMap<>();
    for (int i = 0; i < items.size(); i++) {
      T item = items.get(i);
      if (adapter.isDelete(item)) {
        deletes.add(i);
      } else {
        upserts.add(i);
        upsertIndex.putIfAbsent(key(adapter.table(item), adapter.recordId(item)), i);
      }
    }

    Map<Integer, List<Integer>> children = new HashMap<>();
    Map<Integer, Integer> pendingParents = new HashMap<>();
    for (int index : upserts) {
      T item = items.get(index);
      Table table = schema.table(adapter.table(item));
      int parents = 0;
      if (table != null) {
        for (Column column : table.foreignKeys()) {
          Object parentId = adapter.value(item, column.name());
          if (parentId == null) {
            continue;
          }
          Integer parent = upsertIndex.get(key(column.references(), parentId.toString()));
          if (parent != null && parent != index) {
            children.computeIfAbsent(parent, unused -> new ArrayList<>()).add(index);
            parents++;
          }
        }
      }
      pendingParents.put(index, parents);
    }

    Comparator<Integer> byRankThenPosition =
        Comparator.<Integer>comparingInt(i -> rank(adapter.table(items.get(i))))
            .thenComparingInt(i -> i);
    PriorityQueue<Integer> ready = new PriorityQueue<>(byRankThenPosition);
    PriorityQueue<Integer> waiting = new PriorityQueue<>(byRankThenPosition);
    for (int index : upserts) {
      (pendingParents.get(index) == 0 ? ready : waiting).add(index);
    }
    List<T> result = new ArrayList<>(items.size());
    Set<Integer> done = new HashSet<>();
    while (done.size() < upserts.size()) {
      Integer next = ready.poll();
      if (next == null) {
        // Only reference cycles remain: break one deterministically.
        do {
          next = waiting.poll();
        } while (done.contains(next));
      }
      if (!done.add(next)) {
        continue;
      }
      result.add(items.get(next));
      for (int child : children.getOrDefault(next, List.of())) {
        int left = pendingParents.merge(child, -1, Integer::sum);
        if (left == 0 && !done.contains(child)) {
          waiting.remove(child);
          ready.add(child);
        }
      }
    }

    deletes.sort(
        Comparator.<Integer>comparingInt(i -> -rank(adapter.table(items.get(i))))
            .thenComparingInt(i -> i));
    for (int index : deletes) {
      result.add(items.get(index));
    }
    return result;
  }

  private static String key(String table, String id) {
    return table + '\u0000' + id;
  }
}
