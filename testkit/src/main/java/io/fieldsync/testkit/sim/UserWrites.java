package io.fieldsync.testkit.sim;

import io.fieldsync.StorageException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * What simulated users do: one plain-SQL write on their device's own connection, chosen by the
 * step's random generator, told to the {@link Model} once it has committed, with the stamp its
 * capture got. Values always change, so every write is captured.
 */
final class UserWrites {
  private final Model model;
  private final Map<String, Integer> created = new LinkedHashMap<>();

  UserWrites(Model model) {
    this.model = model;
  }

  /**
   * One write on {@code device}; with {@code crash}, the device dies before the transaction commits
   * (the model hears nothing).
   *
   * @return what was done, for the trace
   */
  String write(SimDevice device, SplittableRandom random, boolean crash, boolean hasExtra) {
    List<String> ids = device.localIds();
    int roll = random.nextInt(100);
    String id = ids.isEmpty() ? null : ids.get(random.nextInt(ids.size()));
    Connection user = device.user();
    try {
      if (crash) {
        user.setAutoCommit(false);
      }
      long before = device.longValue("SELECT coalesce(max(id), 0) FROM _fs_changelog");
      Runnable tell;
      String what;
      if (id == null || roll < 20) {
        int number = created.merge(device.name, 1, Integer::sum);
        String newId = device.name + "-" + number;
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("label", random.nextBoolean() ? null : "l" + random.nextInt(1000));
        values.put("score", (long) random.nextInt(100));
        values.put("total", (long) random.nextInt(10));
        values.put("tags", random.nextBoolean() ? null : "[\"" + newId + ".0\"]");
        values.put("hi", (long) random.nextInt(50));
        values.put("lo", (long) random.nextInt(50));
        values.put("owned", "o" + random.nextInt(1000));
        values.put("memo", random.nextBoolean() ? null : "m" + random.nextInt(1000));
        device.execute(
            "INSERT INTO items (id, label, score, total, tags, hi, lo, owned, memo)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            newId,
            values.get("label"),
            values.get("score"),
            values.get("total"),
            values.get("tags"),
            values.get("hi"),
            values.get("lo"),
            values.get("owned"),
            values.get("memo"));
        what = "insert " + newId + " " + values;
        tell = () -> model.insert(device.name, newId, values, lastHlc(device));
      } else if (roll < 30) {
        String label = "l" + random.nextInt(1_000_000);
        device.execute("UPDATE items SET label = ? WHERE id = ?", label, id);
        what = "label " + id + " = " + label;
        tell = () -> model.set(device.name, id, "label", label, lastHlc(device));
      } else if (roll < 38) {
        long score = 100 + random.nextInt(1_000_000);
        device.execute("UPDATE items SET score = ? WHERE id = ?", score, id);
        what = "score " + id + " = " + score;
        tell = () -> model.set(device.name, id, "score", score, lastHlc(device));
      } else if (roll < 52) {
        long increment = random.nextLong(1, 20);
        device.execute("UPDATE items SET total = total + ? WHERE id = ?", increment, id);
        what = "total " + id + " += " + increment;
        tell = () -> model.add(id, increment);
      } else if (roll < 62) {
        String tag = device.name + "." + random.nextInt(1_000_000_000);
        device.execute(
            "UPDATE items SET tags = json_insert(coalesce(tags, '[]'), '$[#]', ?) WHERE id = ?",
            tag,
            id);
        what = "tags " + id + " + " + tag;
        tell = () -> model.addTag(id, tag);
      } else if (roll < 68) {
        List<String> tags = Model.tagList(device.value("SELECT tags FROM items WHERE id = ?", id));
        if (tags.isEmpty()) {
          what = "no tag to remove from " + id;
          tell = () -> {};
        } else {
          String tag = tags.get(random.nextInt(tags.size()));
          tags.remove(tag);
          device.execute("UPDATE items SET tags = ? WHERE id = ?", Model.canonicalTags(tags), id);
          what = "tags " + id + " - " + tag;
          tell = () -> model.removeTag(id, tag);
        }
      } else if (roll < 74) {
        long hi = device.longValue("SELECT hi FROM items WHERE id = ?", id) + random.nextInt(1, 9);
        device.execute("UPDATE items SET hi = ? WHERE id = ?", hi, id);
        what = "hi " + id + " = " + hi;
        tell = () -> model.max(id, hi);
      } else if (roll < 80) {
        long lo = device.longValue("SELECT lo FROM items WHERE id = ?", id) - random.nextInt(1, 9);
        device.execute("UPDATE items SET lo = ? WHERE id = ?", lo, id);
        what = "lo " + id + " = " + lo;
        tell = () -> model.min(id, lo);
      } else if (roll < 88 && model.isCreator(id, device.name)) {
        String column = random.nextBoolean() ? "owned" : "memo";
        String value = column.charAt(0) + "-" + random.nextInt(1_000_000);
        device.execute("UPDATE items SET " + column + " = ? WHERE id = ?", value, id);
        what = column + " " + id + " = " + value;
        tell = () -> model.setOwned(id, column, value);
      } else if (roll < 94 && hasExtra) {
        String extra = "x" + random.nextInt(1_000_000);
        device.execute("UPDATE items SET extra = ? WHERE id = ?", extra, id);
        what = "extra " + id + " = " + extra;
        tell = () -> model.set(device.name, id, "extra", extra, lastHlc(device));
      } else {
        device.execute("DELETE FROM items WHERE id = ?", id);
        what = "delete " + id;
        tell = () -> model.delete(id);
      }
      if (crash) {
        return what + " (the device died before the commit)";
      }
      long after = device.longValue("SELECT coalesce(max(id), 0) FROM _fs_changelog");
      if (after <= before && !what.startsWith("no tag")) {
        throw new AssertionError(device.name + ": " + what + " was not captured");
      }
      tell.run();
      return what;
    } catch (SQLException e) {
      throw new StorageException(device.name + ": " + e.getMessage(), e);
    }
  }

  private static long lastHlc(SimDevice device) {
    return device.longValue("SELECT hlc FROM _fs_changelog ORDER BY id DESC LIMIT 1");
  }
}
