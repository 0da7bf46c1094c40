package io.fieldsync.conflict;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.fieldsync.clock.Hlc;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

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

  /** Higher HLC wins; equal stamps are ordered by device id. */
  static ConflictStrategy lastWriterWins() {
    return (current, edit) -> {
      if (!current.exists()) {
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
      Set<String> result = new LinkedHashSet<>(elements(current.value()));
      if (edit.added().isEmpty() && edit.removed().isEmpty()) {
        result.addAll(elements(edit.value()));
      } else {
        result.addAll(canonical(edit.added()));
        result.removeAll(canonical(edit.removed()));
      }
      JsonArray array = new JsonArray();
      for (String element : result) {
        array.add(JsonParser.parseString(element));
      }
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

  private static Set<String> elements(Object json) {
    Set<String> result = new LinkedHashSet<>();
    if (json instanceof String text && !text.isBlank()) {
      JsonElement parsed = JsonParser.parseString(text);
      if (parsed.isJsonArray()) {
        for (JsonElement element : parsed.getAsJsonArray()) {
          result.add(element.toString());
        }
      } else if (!parsed.isJsonNull()) {
        result.add(parsed.toString());
      }
    }
    return result;
  }

  private static Set<String> canonical(Iterable<String> elements) {
    Set<String> result = new LinkedHashSet<>();
    for (String element : elements) {
      result.add(JsonParser.parseString(element).toString());
    }
    return result;
  }

  private static String normalized(Object json) {
    if (!(json instanceof String text) || text.isBlank()) {
      return null;
    }
    return JsonParser.parseString(text).toString();
  }
}
