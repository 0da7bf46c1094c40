package io.fieldsync.cli.kill;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.testkit.Replicas;
import java.util.Map;
import java.util.TreeMap;

/**
 * The kill tests' oracle: every write the test's users committed, in the order their commits
 * returned, and nothing read from a server or device. A counter's total is its start plus every
 * increment once; a note holds its owner's last body and the start plus every hit, and is gone once
 * its owner deleted it (only its owner writes it). Thread-safe.
 */
final class Ledger {
  /** The schema of the kill tests: shared {@code sum} counters and notes each device owns. */
  static final String SCHEMA =
      """
      version: 1
      tables:
        counters:
          columns:
            id:    { type: uuid, primary_key: true }
            total: { type: integer, conflict: sum }
        notes:
          columns:
            id:    { type: uuid, primary_key: true }
            owner: { type: text, required: true }
            body:  { type: text }
            hits:  { type: integer, conflict: sum }
      """;

  record Note(String owner, String body, long hits, boolean deleted) {}

  private final Map<String, Long> counters = new TreeMap<>();
  private final Map<String, Note> notes = new TreeMap<>();
  private long writes;

  synchronized void counterCreated(String id, long start) {
    counters.put(id, start);
    writes++;
  }

  synchronized void counterIncremented(String id, long delta) {
    counters.merge(id, delta, Long::sum);
    writes++;
  }

  synchronized void noteInserted(String id, String owner, String body) {
    notes.put(id, new Note(owner, body, 0, false));
    writes++;
  }

  synchronized void noteEdited(String id, String body) {
    Note note = notes.get(id);
    notes.put(id, new Note(note.owner(), body, note.hits(), false));
    writes++;
  }

  synchronized void noteHit(String id, long delta) {
    Note note = notes.get(id);
    notes.put(id, new Note(note.owner(), note.body(), note.hits() + delta, false));
    writes++;
  }

  synchronized void noteDeleted(String id) {
    Note note = notes.get(id);
    notes.put(id, new Note(note.owner(), note.body(), note.hits(), true));
    writes++;
  }

  /** How many writes committed so far. */
  synchronized long writes() {
    return writes;
  }

  /** Every replica, server or device, must hold exactly this once every device has synced. */
  synchronized void assertHeldBy(Replicas.Snapshot replica, String what) {
    Map<String, Long> totals = new TreeMap<>();
    replica.rows("counters").forEach((id, row) -> totals.put(id, number(row.get("total"))));
    assertThat(totals)
        .as("the counters of %s (start plus every increment once)", what)
        .isEqualTo(counters);
    Map<String, Note> live = new TreeMap<>();
    replica
        .rows("notes")
        .forEach(
            (id, row) ->
                live.put(
                    id,
                    new Note(
                        (String) row.get("owner"),
                        (String) row.get("body"),
                        number(row.get("hits")),
                        false)));
    assertThat(live).as("the notes of %s", what).isEqualTo(liveNotes(null));
  }

  /**
   * A device's own notes, which only it writes, hold its last writes whatever it pulled: no write
   * it captured is lost or rolled back by a crash.
   */
  synchronized void assertOwnNotesHeldBy(String owner, Replicas.Snapshot device, String what) {
    Map<String, Note> own = new TreeMap<>();
    device
        .rows("notes")
        .forEach(
            (id, row) -> {
              if (owner.equals(row.get("owner"))) {
                own.put(
                    id, new Note(owner, (String) row.get("body"), number(row.get("hits")), false));
              }
            });
    assertThat(own).as("the notes %s owns, on %s", owner, what).isEqualTo(liveNotes(owner));
  }

  /**
   * No increment is applied twice: no total of {@code replica} exceeds its start plus every
   * increment made so far (increments are positive). Read the replica before calling this.
   */
  synchronized void assertNothingDoubledIn(Replicas.Snapshot replica, String what) {
    Map<String, Long> hits = new TreeMap<>();
    notes.forEach((id, note) -> hits.put(id, note.hits()));
    assertAtMost(replica, "counters", "total", counters, what);
    assertAtMost(replica, "notes", "hits", hits, what);
  }

  private static void assertAtMost(
      Replicas.Snapshot replica, String table, String column, Map<String, Long> made, String what) {
    replica
        .rows(table)
        .forEach(
            (id, row) -> {
              assertThat(made)
                  .as("the %s a user inserted, against %s", table, what)
                  .containsKey(id);
              assertThat(number(row.get(column)))
                  .as(
                      "%s of %s %s on %s, at most its start plus every increment made",
                      column, table, id, what)
                  .isLessThanOrEqualTo(made.get(id));
            });
  }

  private Map<String, Note> liveNotes(String owner) {
    Map<String, Note> live = new TreeMap<>();
    notes.forEach(
        (id, note) -> {
          if (!note.deleted() && (owner == null || owner.equals(note.owner()))) {
            live.put(id, note);
          }
        });
    return live;
  }

  private static long number(Object value) {
    return value == null ? 0 : ((Number) value).longValue();
  }
}
