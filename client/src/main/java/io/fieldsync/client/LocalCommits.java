package io.fieldsync.client;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.sqlite.SQLiteCommitListener;
import org.sqlite.SQLiteConnection;

/**
 * Tells the worker at once when a connection handed out by {@link FieldSyncClient#connection()}
 * commits, so a write through the library is pushed without waiting for the next write poll.
 *
 * <p>SQLite's commit hook runs on the committing thread just before the commit is durable, and for
 * every commit, captured or not: a subscriber only learns that something may have changed, and
 * checks the database itself. Writes from other connections and processes are found by the worker's
 * poll. Thread-safe.
 */
final class LocalCommits {
  private final List<Runnable> subscribers = new CopyOnWriteArrayList<>();

  private final SQLiteCommitListener listener =
      new SQLiteCommitListener() {
        @Override
        public void onCommit() {
          for (Runnable subscriber : subscribers) {
            subscriber.run();
          }
        }

        @Override
        public void onRollback() {}
      };

  /** Returns {@code connection}, whose commits now reach the subscribers. */
  Connection watch(Connection connection) {
    try {
      if (connection.isWrapperFor(SQLiteConnection.class)) {
        connection.unwrap(SQLiteConnection.class).addCommitListener(listener);
      }
    } catch (SQLException e) {
      // Not a SQLite connection we can hook: its writes are still found by the poll.
    }
    return connection;
  }

  /** Runs {@code subscriber} on every commit of a watched connection, on the committing thread. */
  void subscribe(Runnable subscriber) {
    subscribers.add(subscriber);
  }

  void unsubscribe(Runnable subscriber) {
    subscribers.remove(subscriber);
  }
}
