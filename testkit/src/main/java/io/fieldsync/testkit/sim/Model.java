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
 *   <li>{@code owned} ({@code server_wins}) and {@code memo} ({@code manual}): the writes that
 *       reached the server, in the order they committed; a write is concurrent when another device
 *       changed the field at a sequence above the base the write was pushed with (the batch that
 *       changed it wrote from a sequence above that base); a concurrent write leaves the value as
 *       it is, and under {@code manual} parks both values in the review queue; any other write
 *       takes the field. A write that reached a record already deleted on the server does neither;
 *       a device's cursor inside a batch's range would leave concurrency undecided, so users write
 *       these columns only when it is not ({@link UserWrites});
 *   <li>records ({@code delete_wins}): every inserted record no one deleted.
 * </ul>
 *
 * <p>The table {@code tallies} ({@code on_delete: update_wins}) has its own rule ({@link
 * #expectedTallies}).
 */
final class Model {
  static final List<String> LWW = List.of("label", "score", "extra");
  static final List<String> OWNED = List.of("owned", "memo");

  /** A device's write of an lww field. */
  private record Write(String device, Object value, long hlc) {}

  /** What the review queue must hold: a write of a {@code manual} field that lost. */
  record Parked(String id, String column, Object serverValue, Object deviceValue, String device) {}

  private static final class Item {
    final String creator;
    final Map<String, List<Write>> writes = new HashMap<>(); // column -> every write

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
  private final Map<String, List<Write>> tallies = new TreeMap<>();

  void insert(String device, String id, Map<String, Object> values, long hlc) {
    Item item = new Item(device);
    items.put(id, item);
    for (String column : LWW) {
      if (values.containsKey(column)) {
        set(device, id, column, values.get(column), hlc);
      }
    }
    for (String column : OWNED) {
      set(device, id, column, values.get(column), hlc);
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
        .writes
        .computeIfAbsent(column, c -> new ArrayList<>())
        .add(new Write(device, value, hlc));
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

  void insertTally(String device, String id, long start, long hlc) {
    tallies.put(id, new ArrayList<>(List.of(new Write(device, start, hlc))));
  }

  void addTally(String device, String id, long increment, long hlc) {
    tallies.get(id).add(new Write(device, increment, hlc));
  }

  /**
   * The rows of {@code tallies} ({@code on_delete: update_wins}, {@code hits} a {@code sum}) every
   * replica must hold: the start plus every increment that reached the server, for each record
   * alive after its committed writes and deletes, decided in commit order as the server decides
   * them. A write of a deleted record restores it. A delete of a live record stands unless another
   * device changed the record (its creation or restoration, or its {@code hits}: the last change of
   * each) at a sequence above the base the delete was pushed with; then the record stays.
   */
  Map<String, Map<String, Object>> expectedTallies(Stamps effective) {
    Map<String, Map<String, Object>> rows = new TreeMap<>();
    tallies.forEach(
        (id, writes) -> {
          record Event(Commit commit, String device, boolean delete) {}
          List<Event> events = new ArrayList<>();
          long hits = 0;
          for (Write write : writes) {
            if (reached(id, write, writes, effective)) {
              hits += (Long) write.value();
            }
            Commit commit = effective.of(write.device(), id, "hits", write.hlc());
            if (commit != null) {
              events.add(new Event(commit, write.device(), false));
            }
          }
          for (Deletion deletion : effective.deletes(id)) {
            events.add(new Event(deletion.commit(), deletion.device(), true));
          }
          events.sort(java.util.Comparator.comparingLong(event -> event.commit().order()));
          boolean alive = false;
          Event row = null;
          Event field = null;
          for (Event event : events) {
            if (!event.delete()) {
              if (!alive) {
                alive = true;
                row = event;
              }
              field = event;
              continue;
            }
            if (!alive) {
              continue;
            }
            boolean kept = false;
            for (Event version : java.util.Arrays.asList(row, field)) {
              if (version.device().equals(event.device())) {
                continue;
              }
              if (version.commit().first() > event.commit().base()) {
                kept = true;
              } else if (version.commit().last() > event.commit().base()) {
                throw new IllegalStateException(
                    "the model cannot decide the delete of "
                        + id
                        + " by "
                        + event.device()
                        + ": its base "
                        + event.commit().base()
                        + " lies inside the range "
                        + version.commit().first()
                        + ".."
                        + version.commit().last()
                        + " of a batch of "
                        + version.device()
                        + " (users must not delete then)");
              }
            }
            if (!kept) {
              alive = false;
              row = event;
            }
          }
          if (alive) {
            Map<String, Object> values = new LinkedHashMap<>();
            values.put("id", id);
            values.put("hits", hits);
            rows.put(id, values);
          }
        });
    return rows;
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
      case "owned", "memo" ->
          guarded(id, column, item, effective, new ArrayList<>()); // parks counted in parked()
      default -> lwwWinner(id, column, item, effective);
    };
  }

  /**
   * The writes of a field that reached the server, in the order they committed, decided one after
   * the other: a device's write replaces its own earlier value; another device's write wins by the
   * higher (stamp as the server used it, device). A write that never committed (a later write of
   * the same device replaced it in the outbox) never reached anyone.
   */
  private static Object lwwWinner(String id, String column, Item item, Stamps effective) {
    List<Map.Entry<Commit, Write>> committed = committed(id, column, item, effective);
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

  /** Every item the review queue must hold, in commit order. */
  List<Parked> parked(Stamps effective) {
    List<Parked> result = new ArrayList<>();
    items.forEach((id, item) -> guarded(id, "memo", item, effective, result));
    return result;
  }

  /**
   * The value of a {@code server_wins} or {@code manual} field: its committed writes decided in
   * commit order, as the server decides them from the base each was pushed with; a losing write of
   * a {@code manual} field goes to {@code parks}.
   */
  private static Object guarded(
      String id, String column, Item item, Stamps effective, List<Parked> parks) {
    List<Deletion> deletions = effective.deletes(id);
    Long deletedAt = deletions.isEmpty() ? null : deletions.get(0).commit().order();
    List<Map.Entry<Commit, Write>> committed = committed(id, column, item, effective);
    Object value = null;
    Write last = null;
    Commit lastCommit = null;
    for (Map.Entry<Commit, Write> entry : committed) {
      Commit commit = entry.getKey();
      Write write = entry.getValue();
      if (deletedAt != null && commit.order() > deletedAt) {
        continue; // an update of a deleted record: journaled only
      }
      boolean concurrent = false;
      if (last != null && !last.device().equals(write.device())) {
        if (lastCommit.first() > commit.base()) {
          concurrent = true;
        } else if (lastCommit.last() > commit.base()) {
          throw new IllegalStateException(
              "the model cannot decide "
                  + column
                  + " of "
                  + id
                  + ": "
                  + write.device()
                  + " pushed base "
                  + commit.base()
                  + ", inside the range "
                  + lastCommit.first()
                  + ".."
                  + lastCommit.last()
                  + " of the batch of "
                  + last.device()
                  + " that changed it (users must not write it then)");
        }
      }
      if (!concurrent) {
        value = write.value();
        last = write;
        lastCommit = commit;
      } else if (column.equals("memo") && !java.util.Objects.equals(value, write.value())) {
        parks.add(new Parked(id, column, value, write.value(), write.device()));
      }
    }
    return value;
  }

  private static List<Map.Entry<Commit, Write>> committed(
      String id, String column, Item item, Stamps effective) {
    List<Map.Entry<Commit, Write>> committed = new ArrayList<>();
    for (Write write : item.writes.getOrDefault(column, List.of())) {
      Commit commit = effective.of(write.device(), id, column, write.hlc());
      if (commit != null) {
        committed.add(Map.entry(commit, write));
      }
    }
    committed.sort(Map.Entry.comparingByKey(java.util.Comparator.comparingLong(Commit::order)));
    return committed;
  }

  /**
   * When a write committed on the server (its order among commits), the stamp it used, the base its
   * device pushed it with, and the sequence range its batch wrote.
   */
  record Commit(long order, long stamp, long base, long first, long last) {}

  /**
   * Whether an increment (or the start) of a tally reached the server: a push of its device carried
   * it, folded into a field change with its stamp or a later one, unless the device deleted the
   * record in between (the outbox folds edits into a later delete of their record, which the user
   * asked for: an update of the record by another device then restores it from the server's last
   * values, without them).
   */
  private static boolean reached(String id, Write write, List<Write> writes, Stamps effective) {
    for (Write later : writes) {
      if (!later.device().equals(write.device())
          || later.hlc() < write.hlc()
          || effective.of(later.device(), id, "hits", later.hlc()) == null) {
        continue;
      }
      boolean deletedBetween = false;
      for (Deletion deletion : effective.deletes(id)) {
        deletedBetween |=
            deletion.device().equals(write.device())
                && deletion.commit().stamp() > write.hlc()
                && deletion.commit().stamp() < later.hlc();
      }
      if (!deletedBetween) {
        return true;
      }
    }
    return false;
  }

  /** A device's delete of a record that reached the server, and how it committed. */
  record Deletion(String device, Commit commit) {}

  /** Where and how each device's field write and delete committed. */
  interface Stamps {
    /** How a device's write of a field committed; null when it never did. */
    Commit of(String device, String id, String column, long hlc);

    /** Every committed delete of a record, in commit order. */
    List<Deletion> deletes(String id);
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
