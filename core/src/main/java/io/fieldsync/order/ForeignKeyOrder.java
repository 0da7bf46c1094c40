package io.fieldsync.order;

import io.fieldsync.schema.Column;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import java.util.ArrayList;
import java.util.Arrays;
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
 * satisfied by any order; it is broken deterministically at the lowest-ranked record, which is safe
 * because fieldsync does not enforce foreign keys inside a batch. Thread-safe once built.
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

  /**
   * Whether every reference points at another table of the schema and the tables have no cycle:
   * then every reference goes from a table to one of lower rank, so ordering by table rank (then
   * position) is exactly what the general walk produces, without building the record graph.
   */
  private final boolean rankOrderSuffices;

  public ForeignKeyOrder(Schema schema) {
    this.schema = schema;
    Set<String> visiting = new HashSet<>();
    boolean acyclic = true;
    for (Table table : schema.tables().values()) {
      acyclic &= visit(table, visiting);
    }
    boolean resolved = true;
    for (Table table : schema.tables().values()) {
      for (Column column : table.foreignKeys()) {
        resolved &=
            !column.references().equals(table.name()) && schema.table(column.references()) != null;
      }
    }
    this.rankOrderSuffices = acyclic && resolved;
  }

  /** Ranks {@code table} after its parents; false when it meets a reference cycle. */
  private boolean visit(Table table, Set<String> visiting) {
    if (rank.containsKey(table.name())) {
      return true;
    }
    if (!visiting.add(table.name())) {
      return false; // on the current path: a cycle
    }
    boolean acyclic = true;
    for (Column column : table.foreignKeys()) {
      Table parent = schema.table(column.references());
      if (parent != null) {
        acyclic &= visit(parent, visiting);
      }
    }
    rank.put(table.name(), rank.size());
    return acyclic;
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
    return rankOrderSuffices ? sortByRank(items, adapter) : sortByReferences(items, adapter);
  }

  /**
   * Upserts by table rank, then deletes by reverse rank, each stable: a primitive sort of {@code
   * rank << 32 | position} keys.
   */
  <T> List<T> sortByRank(List<T> items, Adapter<T> adapter) {
    int size = items.size();
    long[] upserts = new long[size];
    long[] deletes = new long[size];
    int upsertCount = 0;
    int deleteCount = 0;
    String lastTable = null;
    int lastRank = 0;
    for (int i = 0; i < size; i++) {
      T item = items.get(i);
      String table = adapter.table(item);
      if (!table.equals(lastTable)) {
        lastTable = table;
        lastRank = rank(table);
      }
      if (adapter.isDelete(item)) {
        deletes[deleteCount++] = ((long) (Integer.MAX_VALUE - lastRank) << 32) | i;
      } else {
        upserts[upsertCount++] = ((long) lastRank << 32) | i;
      }
    }
    Arrays.sort(upserts, 0, upsertCount);
    Arrays.sort(deletes, 0, deleteCount);
    List<T> result = new ArrayList<>(size);
    for (int k = 0; k < upsertCount; k++) {
      result.add(items.get((int) upserts[k]));
    }
    for (int k = 0; k < deleteCount; k++) {
      result.add(items.get((int) deletes[k]));
    }
    return result;
  }

  /** The general order: along the references between the items themselves. */
  <T> List<T> sortByReferences(List<T> items, Adapter<T> adapter) {
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
    for (int index : upserts) {
      T item = items.get(index);
      Table table = schema.table(adapter.table(item));
      if (table != null) {
        for (Column column : table.foreignKeys()) {
          Object parentId = adapter.value(item, column.name());
          if (parentId == null) {
            continue;
          }
          Integer parent = upsertIndex.get(key(column.references(), parentId.toString()));
          if (parent != null && parent != index) {
            children.computeIfAbsent(parent, unused -> new ArrayList<>()).add(index);
          }
        }
      }
    }

    Comparator<Integer> byRankThenPosition =
        Comparator.<Integer>comparingInt(i -> rank(adapter.table(items.get(i))))
            .thenComparingInt(i -> i);
    List<T> result = new ArrayList<>(items.size());
    for (List<Integer> component : components(upserts, children, byRankThenPosition)) {
      component.sort(byRankThenPosition);
      for (int index : component) {
        result.add(items.get(index));
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

  /**
   * Strongly connected components of the reference graph (Tarjan), emitted parents first; among
   * components that are ready at the same time, the one holding the lowest-ranked record first.
   */
  private static List<List<Integer>> components(
      List<Integer> nodes, Map<Integer, List<Integer>> children, Comparator<Integer> order) {
    Map<Integer, Integer> index = new HashMap<>();
    Map<Integer, Integer> low = new HashMap<>();
    Map<Integer, Integer> componentOf = new HashMap<>();
    List<List<Integer>> found = new ArrayList<>();
    java.util.ArrayDeque<Integer> stack = new java.util.ArrayDeque<>();
    Set<Integer> onStack = new HashSet<>();
    for (int node : nodes) {
      if (!index.containsKey(node)) {
        strongConnect(node, children, index, low, stack, onStack, found, componentOf);
      }
    }
    // Kahn over the condensed graph; Tarjan's output order is reverse-topological.
    int count = found.size();
    int[] pending = new int[count];
    List<Set<Integer>> edges = new ArrayList<>();
    for (int c = 0; c < count; c++) {
      edges.add(new HashSet<>());
    }
    for (int node : nodes) {
      int from = componentOf.get(node);
      for (int child : children.getOrDefault(node, List.of())) {
        int to = componentOf.get(child);
        if (from != to && edges.get(from).add(to)) {
          pending[to]++;
        }
      }
    }
    // Each component's first member, found once: computing it inside the comparator made every
    // heap comparison walk the component, which dominated pulls of thousands of records.
    int[] firstMember = new int[count];
    for (int c = 0; c < count; c++) {
      firstMember[c] = found.get(c).stream().min(order).get();
    }
    Comparator<Integer> byFirstMember = (x, y) -> order.compare(firstMember[x], firstMember[y]);
    PriorityQueue<Integer> ready = new PriorityQueue<>(byFirstMember);
    for (int c = 0; c < count; c++) {
      if (pending[c] == 0) {
        ready.add(c);
      }
    }
    List<List<Integer>> result = new ArrayList<>(count);
    while (!ready.isEmpty()) {
      int c = ready.poll();
      result.add(found.get(c));
      for (int next : edges.get(c)) {
        if (--pending[next] == 0) {
          ready.add(next);
        }
      }
    }
    return result;
  }

  private static void strongConnect(
      int root,
      Map<Integer, List<Integer>> children,
      Map<Integer, Integer> index,
      Map<Integer, Integer> low,
      java.util.ArrayDeque<Integer> stack,
      Set<Integer> onStack,
      List<List<Integer>> found,
      Map<Integer, Integer> componentOf) {
    // Iterative Tarjan: a deep parent chain (a long tree) must not overflow the call stack.
    java.util.ArrayDeque<int[]> work = new java.util.ArrayDeque<>();
    work.push(new int[] {root, 0});
    while (!work.isEmpty()) {
      int[] frame = work.peek();
      int node = frame[0];
      if (frame[1] == 0 && !index.containsKey(node)) {
        index.put(node, index.size());
        low.put(node, index.get(node));
        stack.push(node);
        onStack.add(node);
      }
      List<Integer> next = children.getOrDefault(node, List.of());
      if (frame[1] < next.size()) {
        int child = next.get(frame[1]++);
        if (!index.containsKey(child)) {
          work.push(new int[] {child, 0});
        } else if (onStack.contains(child)) {
          low.put(node, Math.min(low.get(node), index.get(child)));
        }
        continue;
      }
      work.pop();
      if (!work.isEmpty()) {
        int parent = work.peek()[0];
        low.put(parent, Math.min(low.get(parent), low.get(node)));
      }
      if (low.get(node).equals(index.get(node))) {
        List<Integer> component = new ArrayList<>();
        int member;
        do {
          member = stack.pop();
          onStack.remove(member);
          componentOf.put(member, found.size());
          component.add(member);
        } while (member != node);
        found.add(component);
      }
    }
  }

  private static String key(String table, String id) {
    return table + '\u0000' + id;
  }
}
