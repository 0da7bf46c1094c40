package io.fieldsync.testkit.sim;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.fieldsync.clock.Hlc;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The oracle: the final state every replica must reach, computed only from what the simulated users
 * did (each committed write, with the stamp its device's clock gave it) and when the network
 * carried it, never from what the server stored. Per column of {@code items}:
 *
 * <ul>
 *   <li>{@code label}, {@code score}, {@code extra} ({@code lww}): the writes that reached the
 *       server, in the order they committed: a device's write replaces its own earlier value,
 *       another's wins by the higher (stamp, device), the stamp capped as the server caps one more
 *       than the tolerance ahead of its clock when the batch carrying it committed;
 *   <li>{@code total} ({@code sum}): the inserted value plus every increment exactly once;
 *   <li>{@code tags} ({@code union}): every element added minus every element removed (elements are
 *       unique, and a user removes only elements it sees);
 *   <li>{@code hi} / {@code lo} ({@code max} / {@code min}): the largest / smallest value written;
 *   <li>{@code owned} ({@code server_wins}) and {@code memo} ({@code manual}): only the record's
 *       creator writes them, and a device has always seen its own writes, so its last value;
 *       nothing parks in the review queue;
 *   <li>records ({@code delete_wins}): every inserted record no one deleted.
 * </ul>
 */
final class Model {
  static final List<String> LWW = List.of("label", "score", "extra");
  static final List<String> OWNED = List.of("owned", "memo");

  /** A device's write of an lww field. */
  private record Write(String device, Object value, long hlc) {}

  private static final class Item {
    final String creator;
    final Map<String, List<Write>> lww = new HashMap<>(); // column -> every write
    final Map<String, Object> owned = new HashMap<>();
    long total;
    final Set<String> tags = new TreeSet<>();
    boolean tagsEver;
    long hi;
    long lo;
    boolean deleted;

    Item(String creator) {
      this.creator = creator;
    }
  }

  private final Map<String, Item> items = new TreeMap<>();
  private final Map<String, Long> increments = new HashMap<>();

  void insert(String device, String id, Map<String, Object> values, long hlc) {
    Item item = new Item(device);
    items.put(id, item);
    for (String column : LWW) {
      if (values.containsKey(column)) {
        set(device, id, column, values.get(column), hlc);
      }
    }
    for (String column : OWNED) {
      item.owned.put(column, values.get(column));
    }
    item.total = (Long) values.get("total");
    for (String tag : tagList(values.get("tags"))) {
      item.tags.add(tag);
      item.tagsEver = true;
    }
    item.hi = (Long) values.get("hi");
    item.lo = (Long) values.get("lo");
  }

  void set(String device, String id, String column, Object value, long hlc) {
    items
        .get(id)
        .lww
        .computeIfAbsent(column, c -> new ArrayList<>())
        .add(new Write(device, value, hlc));
  }

  void setOwned(String id, String column, Object value) {
    items.get(id).owned.put(column, value);
  }

  void add(String id, long increment) {
    items.get(id).total += increment;
    increments.merge(id, increment, Long::sum);
  }

  void addTag(String id, String tag) {
    items.get(id).tags.add(tag);
    items.get(id).tagsEver = true;
  }

  void removeTag(String id, String tag) {
    items.get(id).tags.remove(tag);
  }

  void max(String id, long value) {
    items.get(id).hi = Math.max(items.get(id).hi, value);
  }

  void min(String id, long value) {
    items.get(id).lo = Math.min(items.get(id).lo, value);
  }

  void delete(String id) {
    items.get(id).deleted = true;
  }

  boolean isCreator(String id, String device) {
    return items.get(id).creator.equals(device);
  }

  /** The largest total a record may show now: never an increment counted twice. */
  Long totalBound(String id) {
    Item item = items.get(id);
    return item == null ? null : item.total;
  }

  /**
   * The rows every replica must hold, by id, column to canonical value.
   *
   * @param columns the columns of the final schema
   * @param effective the stamp the server used for a device's field write
   */
  Map<String, Map<String, Object>> expected(List<String> columns, Stamps effective) {
    Map<String, Map<String, Object>> rows = new TreeMap<>();
    items.forEach(
        (id, item) -> {
          if (item.deleted) {
            return;
          }
          Map<String, Object> row = new LinkedHashMap<>();
          for (String column : columns) {
            row.put(column, value(id, item, column, effective));
          }
          rows.put(id, row);
        });
    return rows;
  }

  private static Object value(String id, Item item, String column, Stamps effective) {
    return switch (column) {
      case "id" -> id;
      case "total" -> item.total;
      case "hi" -> item.hi;
      case "lo" -> item.lo;
      case "tags" -> item.tagsEver ? canonicalTags(new ArrayList<>(item.tags)) : null;
      case "owned", "memo" -> item.owned.get(column);
      default -> lwwWinner(id, column, item.lww.getOrDefault(column, List.of()), effective);
    };
  }

  /**
   * The writes of a field that reached the server, in the order they committed, decided one after
   * the other: a device's write replaces its own earlier value; another device's write wins by the
   * higher (stamp as the server used it, device). A write that never committed (a later write of
   * the same device replaced it in the outbox) never reached anyone.
   */
  private static Object lwwWinner(String id, String column, List<Write> writes, Stamps effective) {
    List<Map.Entry<Commit, Write>> committed = new ArrayList<>();
    for (Write write : writes) {
      Commit commit = effective.of(write.device(), id, column, write.hlc());
      if (commit != null) {
        committed.add(Map.entry(commit, write));
      }
    }
    committed.sort(Map.Entry.comparingByKey(java.util.Comparator.comparingLong(Commit::order)));
    Object value = null;
    long stamp = 0;
    String device = null;
    for (Map.Entry<Commit, Write> entry : committed) {
      Write write = entry.getValue();
      long hlc = entry.getKey().stamp();
      if (device == null
          || device.equals(write.device())
          || Hlc.compare(hlc, write.device(), stamp, device) > 0) {
        value = write.value();
        stamp = hlc;
        device = write.device();
      }
    }
    return value;
  }

  /** When a write committed on the server (its order among commits) and the stamp it used. */
  record Commit(long order, long stamp) {}

  /** Where and how each device's field write committed; null when it never did. */
  interface Stamps {
    Commit of(String device, String id, String column, long hlc);
  }

  static List<String> tagList(Object json) {
    List<String> result = new ArrayList<>();
    if (json instanceof String text && !text.isBlank()) {
      JsonElement parsed = JsonParser.parseString(text);
      if (parsed.isJsonArray()) {
        parsed.getAsJsonArray().forEach(element -> result.add(element.getAsString()));
      }
    }
    return result;
  }

  /** A union set as every replica is compared: its elements sorted, as a JSON array. */
  static String canonicalTags(List<String> tags) {
    JsonArray array = new JsonArray();
    tags.stream().sorted().forEach(array::add);
    return array.toString();
  }
}
