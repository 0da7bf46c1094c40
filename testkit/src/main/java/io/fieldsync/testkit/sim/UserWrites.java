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
  private final java.util.function.LongPredicate insideABatch;
  private final Map<String, Integer> created = new LinkedHashMap<>();
  private int values;

  /** Only a record's creator edits its guarded columns, as the first generator's users did. */
  private final boolean onlyCreatorsGuard;

  /**
   * @param insideABatch whether a cursor lies inside the sequence range of one committed batch,
   *     short of its end (see {@link SimNetwork#insideABatch})
   */
  UserWrites(
      Model model, java.util.function.LongPredicate insideABatch, boolean onlyCreatorsGuard) {
    this.model = model;
    this.insideABatch = insideABatch;
    this.onlyCreatorsGuard = onlyCreatorsGuard;
  }

  /**
   * Whether a write of {@code id} now would be pushed with a base the model can place: the device's
   * cursor, and the base of every pending log row of the record (the push carries the oldest), lie
   * on batch boundaries. Writes of {@code server_wins} and {@code manual} columns, and any write of
   * a record with such a write pending, are made only then.
   */
  private boolean placeable(SimDevice device, String id) {
    if (insideABatch.test(device.longValue("SELECT cursor FROM _fs_state"))) {
      return false;
    }
    for (String base : device.strings("SELECT base FROM _fs_changelog WHERE rid = ?", id)) {
      if (insideABatch.test(Long.parseLong(base))) {
        return false;
      }
    }
    return true;
  }

  private static boolean guardedPending(SimDevice device, String id) {
    return device.longValue(
            "SELECT count(*) FROM _fs_changelog WHERE rid = ? AND (vals LIKE '%\"owned\"%'"
                + " OR vals LIKE '%\"memo\"%')",
            id)
        > 0;
  }

  /**
   * One write on {@code device}; with {@code crash}, the device dies before the transaction commits
   * (the model hears nothing).
   *
   * @return what was done, for the trace
   */
  String write(
      SimDevice device,
      SplittableRandom random,
      SplittableRandom tally,
      boolean guarded,
      boolean crash,
      boolean hasExtra) {
    List<String> ids = device.localIds();
    int drawn = random.nextInt(100);
    // A guarded edit of the hot record, or an lww one when the model could not place it now.
    int roll = !guarded || ids.isEmpty() ? drawn : placeable(device, ids.get(0)) ? 80 : 25;
    String picked = ids.isEmpty() ? null : ids.get(random.nextInt(ids.size()));
    // A new record instead when the model could not place the push of this one.
    String id =
        picked != null
                && !onlyCreatorsGuard
                && guardedPending(device, picked)
                && !placeable(device, picked)
            ? null
            : picked;
    Connection user = device.user();
    try {
      if (crash) {
        user.setAutoCommit(false);
      }
      long before = device.longValue("SELECT coalesce(max(id), 0) FROM _fs_changelog");
      Runnable tell;
      String what;
      if (tally != null) {
        List<String> tallyIds = device.strings("SELECT id FROM tallies ORDER BY id");
        int pick = tally.nextInt(100);
        String tallyId = tallyIds.isEmpty() ? null : tallyIds.get(tally.nextInt(tallyIds.size()));
        if (tallyId == null || pick < 25) {
          int number = created.merge("t" + device.name, 1, Integer::sum);
          String newId = "t-" + device.name + "-" + number;
          long start = tally.nextInt(10);
          device.execute("INSERT INTO tallies (id, hits) VALUES (?, ?)", newId, start);
          what = "insert tally " + newId + " hits=" + start;
          tell = () -> model.insertTally(device.name, newId, start, lastHlc(device));
        } else if (pick < 80 || !placeable(device, tallyId)) {
          long increment = tally.nextLong(1, 20);
          device.execute("UPDATE tallies SET hits = hits + ? WHERE id = ?", increment, tallyId);
          what = "tally " + tallyId + " += " + increment;
          tell = () -> model.addTally(device.name, tallyId, increment, lastHlc(device));
        } else {
          device.execute("DELETE FROM tallies WHERE id = ?", tallyId);
          what = "delete tally " + tallyId;
          tell = () -> {};
        }
      } else if (id == null || roll < 20) {
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
      } else if (roll < 88
          && (onlyCreatorsGuard
              ? model.isCreator(id, device.name)
              : placeable(device, ids.get(0)))) {
        // Every user edits these columns of the oldest record they hold, so edits meet.
        String target = onlyCreatorsGuard ? id : ids.get(0);
        String column = random.nextBoolean() ? "owned" : "memo";
        String value =
            onlyCreatorsGuard
                ? column.charAt(0) + "-" + random.nextInt(1_000_000)
                : column.charAt(0) + "-" + device.name + "-" + ++values;
        device.execute("UPDATE items SET " + column + " = ? WHERE id = ?", value, target);
        what = column + " " + target + " = " + value;
        tell = () -> model.set(device.name, target, column, value, lastHlc(device));
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
