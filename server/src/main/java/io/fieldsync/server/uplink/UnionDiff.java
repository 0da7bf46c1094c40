package io.fieldsync.server.uplink;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The elements a {@code union} column gained and lost between two of its values (JSON arrays as
 * text), each element in its canonical JSON text: what a push sends instead of the whole set.
 */
record UnionDiff(List<String> added, List<String> removed) {

  static UnionDiff between(Object before, Object after) {
    Map<String, JsonElement> old = elements(before);
    Map<String, JsonElement> now = elements(after);
    List<String> added = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    now.keySet().stream().filter(element -> !old.containsKey(element)).forEach(added::add);
    old.keySet().stream().filter(element -> !now.containsKey(element)).forEach(removed::add);
    return new UnionDiff(added, removed);
  }

  boolean isEmpty() {
    return added.isEmpty() && removed.isEmpty();
  }

  private static Map<String, JsonElement> elements(Object json) {
    Map<String, JsonElement> result = new LinkedHashMap<>();
    if (json instanceof String text && !text.isBlank()) {
      JsonElement parsed = JsonParser.parseString(text);
      if (parsed.isJsonArray()) {
        parsed.getAsJsonArray().forEach(element -> result.putIfAbsent(element.toString(), element));
      } else if (!parsed.isJsonNull()) {
        result.put(parsed.toString(), parsed);
      }
    }
    return result;
  }
}
