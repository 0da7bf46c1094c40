package io.fieldsync.cli.kill;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * The person using one device: seeded writes in plain SQL on a JDBC connection of its own to the
 * device file (the capture triggers record them), each entered in the {@link Ledger} once its
 * commit returned. It increments the shared counters and inserts, edits, hits and deletes notes it
 * owns. Not thread-safe: one user, one thread.
 */
final class DeviceUser implements AutoCloseable {
  private final String device;
  private final Ledger ledger;
  private final List<String> counters;
  private final SplittableRandom random;
  private final Connection connection;
  private final List<String> notes = new ArrayList<>();

  DeviceUser(Path database, String device, Ledger ledger, List<String> counters, long seed)
      throws SQLException {
    this.device = device;
    this.ledger = ledger;
    this.counters = counters;
    this.random = new SplittableRandom(seed);
    this.connection = DriverManager.getConnection("jdbc:sqlite:" + database);
    try (Statement statement = connection.createStatement()) {
      // A sync of another process may hold the write lock for a while.
      statement.execute("PRAGMA busy_timeout = 30000");
    }
  }

  /** {@code count} ids for shared counters, drawn from {@code random}. */
  static List<String> counterIds(SplittableRandom random, int count) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ids.add(uuid(random));
    }
    return List.copyOf(ids);
  }

  /** Inserts the shared counters, each at a start of its own. */
  void createCounters() throws SQLException {
    try (PreparedStatement insert =
        connection.prepareStatement("INSERT INTO counters (id, total) VALUES (?, ?)")) {
      for (String id : counters) {
        long start = random.nextInt(100);
        insert.setString(1, id);
        insert.setLong(2, start);
        insert.executeUpdate();
        ledger.counterCreated(id, start);
      }
    }
  }

  /** Makes {@code count} writes, each its own transaction. */
  void write(int count) throws SQLException {
    for (int i = 0; i < count; i++) {
      writeOne();
    }
  }

  private void writeOne() throws SQLException {
    int kind = random.nextInt(10);
    if (kind < 4 || notes.isEmpty() && kind >= 6) {
      String id = counters.get(random.nextInt(counters.size()));
      long delta = 1 + random.nextInt(9);
      if (update("UPDATE counters SET total = total + ? WHERE id = ?", delta, id)) {
        ledger.counterIncremented(id, delta);
      }
    } else if (kind < 6 || notes.size() < 3) {
      String id = uuid(random);
      String body = body();
      try (PreparedStatement insert =
          connection.prepareStatement(
              "INSERT INTO notes (id, owner, body, hits) VALUES (?, ?, ?, 0)")) {
        insert.setString(1, id);
        insert.setString(2, device);
        insert.setString(3, body);
        insert.executeUpdate();
      }
      notes.add(id);
      ledger.noteInserted(id, device, body);
    } else if (kind < 8) {
      String id = notes.get(random.nextInt(notes.size()));
      String body = body();
      requireOwn(update("UPDATE notes SET body = ? WHERE id = ?", body, id), id);
      ledger.noteEdited(id, body);
    } else if (kind < 9) {
      String id = notes.get(random.nextInt(notes.size()));
      long delta = 1 + random.nextInt(5);
      requireOwn(update("UPDATE notes SET hits = hits + ? WHERE id = ?", delta, id), id);
      ledger.noteHit(id, delta);
    } else {
      String id = notes.remove(random.nextInt(notes.size()));
      requireOwn(update("DELETE FROM notes WHERE id = ?", id), id);
      ledger.noteDeleted(id);
    }
  }

  private boolean update(String sql, Object... args) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        statement.setObject(i + 1, args[i]);
      }
      int changed = statement.executeUpdate();
      if (changed > 1) {
        throw new AssertionError(sql + " changed " + changed + " rows on " + device);
      }
      return changed == 1;
    }
  }

  private void requireOwn(boolean changed, String note) {
    if (!changed) {
      throw new AssertionError(
          "note " + note + " that " + device + " inserted and never deleted is gone from it");
    }
  }

  private String body() {
    return device + " " + Long.toHexString(random.nextLong());
  }

  private static String uuid(SplittableRandom random) {
    long high = random.nextLong() & ~0xF000L | 0x4000L;
    long low = random.nextLong() & 0x3FFFFFFFFFFFFFFFL | 0x8000000000000000L;
    return new UUID(high, low).toString();
  }

  @Override
  public void close() throws SQLException {
    connection.close();
  }
}
