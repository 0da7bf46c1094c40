package io.fieldsync.conflict;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.fieldsync.clock.Hlc;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Decides one field: given the field's current state and an incoming edit, keep, take, merge or
 * send to review. The same implementations run on the server (deciding pushes) and on devices
 * (showing pending edits on top of pulled values), so both always agree.
 *
 * <p>Implementations must be deterministic and free of side effects.
 */
@FunctionalInterface
public interface ConflictStrategy {

  Verdict resolve(FieldState current, FieldEdit edit);

  /**
   * Higher HLC wins; equal stamps are ordered by device id. A device's edit always replaces the
   * device's own earlier value: a device pushes its edits in order, and the server's skew guard may
   * have capped both stamps to the same time, which would otherwise undo the later edit.
   */
  static ConflictStrategy lastWriterWins() {
    return (current, edit) -> {
      if (!current.exists() || edit.device().equals(current.device())) {
        return Verdict.take(edit.value());
      }
      return Hlc.compare(edit.hlc(), edit.device(), current.hlc(), current.device()) > 0
          ? Verdict.take(edit.value())
          : Verdict.KEEP;
    };
  }

  /** A concurrent edit loses to the server's value; an edit made after seeing it applies. */
  static ConflictStrategy serverWins() {
    return (current, edit) ->
        edit.isConcurrentWith(current) ? Verdict.KEEP : Verdict.take(edit.value());
  }

  /**
   * Counters: the edit's increment is added to the current total; never a conflict. A zero
   * increment changes nothing (an empty counter of a new record stays empty).
   */
  static ConflictStrategy sum() {
    return (current, edit) -> {
      if (edit.delta() == 0) {
        return current.exists() ? Verdict.KEEP : Verdict.take(edit.value());
      }
      long base = current.value() instanceof Long total ? total : 0L;
      return Verdict.take(Math.addExact(base, edit.delta()));
    };
  }

  /** Keeps the larger value. */
  static ConflictStrategy max() {
    return (current, edit) -> extreme(current, edit, 1);
  }

  /** Keeps the smaller value. */
  static ConflictStrategy min() {
    return (current, edit) -> extreme(current, edit, -1);
  }

  /**
   * Sets stored as JSON arrays: the current elements plus what the edit added, minus what it
   * removed. A removal therefore removes only elements the remover had seen, and concurrent adds
   * all survive. An edit without add/remove detail (a new record) adds all its elements.
   */
  static ConflictStrategy union() {
    return (current, edit) -> {
      if (edit.value() == null && edit.added().isEmpty() && edit.removed().isEmpty()) {
        // An empty set column of a new record stays empty rather than becoming [].
        return current.exists() ? Verdict.KEEP : Verdict.take(null);
      }
      // elements by their canonical text, parsed once
      Map<String, JsonElement> result = elements(current.value());
      if (edit.added().isEmpty() && edit.removed().isEmpty()) {
        elements(edit.value()).forEach(result::putIfAbsent);
      } else {
        canonical(edit.added()).forEach(result::putIfAbsent);
        result.keySet().removeAll(canonical(edit.removed()).keySet());
      }
      JsonArray array = new JsonArray(result.size());
      result.values().forEach(array::add);
      String merged = array.toString();
      return current.exists() && merged.equals(normalized(current.value()))
          ? Verdict.KEEP
          : Verdict.take(merged);
    };
  }

  /** A concurrent edit to a different value parks in the review queue; the server value stays. */
  static ConflictStrategy manual() {
    return (current, edit) -> {
      if (edit.isConcurrentWith(current) && !Objects.equals(current.value(), edit.value())) {
        return new Verdict.Review("concurrent edit of a manual column");
      }
      return Verdict.take(edit.value());
    };
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Verdict extreme(FieldState current, FieldEdit edit, int sign) {
    if (!current.exists() || current.value() == null) {
      return Verdict.take(edit.value());
    }
    if (edit.value() == null) {
      return Verdict.KEEP;
    }
    Comparable mine = (Comparable) edit.value();
    int order = mine.compareTo(current.value());
    return order * sign > 0 ? Verdict.take(edit.value()) : Verdict.KEEP;
  }

  private static Map<String, JsonElement> elements(Object json) {
    Map<String, JsonElement> result = new LinkedHashMap<>();
    if (json instanceof String text && !text.trim().isEmpty()) {
      JsonElement parsed = JsonParser.parseString(text);
      if (parsed.isJsonArray()) {
        for (JsonElement element : parsed.getAsJsonArray()) {
          result.putIfAbsent(element.toString(), element);
        }
      } else if (!parsed.isJsonNull()) {
        result.put(parsed.toString(), parsed);
      }
    }
    return result;
  }

  private static Map<String, JsonElement> canonical(Iterable<String> elements) {
    Map<String, JsonElement> result = new LinkedHashMap<>();
    for (String element : elements) {
      JsonElement parsed = JsonParser.parseString(element);
      result.putIfAbsent(parsed.toString(), parsed);
    }
    return result;
  }

  private static String normalized(Object json) {
    if (!(json instanceof String text) || text.trim().isEmpty()) {
      return null;
    }
    return JsonParser.parseString(text).toString();
  }
}
