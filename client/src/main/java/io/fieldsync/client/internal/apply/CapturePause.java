package io.fieldsync.client.internal.apply;

import io.fieldsync.client.internal.capture.CaptureTriggers;
import io.fieldsync.schema.Table;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Takes the capture triggers of some tables out for part of one transaction and puts them back,
 * each from the text {@code sqlite_master} held, before that transaction commits.
 *
 * <p>Why: a pull page is written with capture off, so the triggers log nothing, but SQLite still
 * starts each trigger program for every row it writes (the capture check is inside the program): on
 * a large page that is more than half of SQLite's time per row. Why every other write is still
 * captured: the drop and the re-creation are part of the page's write transaction. SQLite has one
 * writer, so no other connection writes while it is open, and readers see the last commit, which
 * has the triggers. When the transaction fails it rolls back and the triggers never left.
 *
 * <p>The price is a schema change per use: this connection's prepared statements are compiled again
 * (SQLite does it on their next step) and so are other connections' after the commit. It is worth
 * it for pages of a few thousand rows (see {@link Puller#PAUSE_CAPTURE_FROM}). Not thread-safe: one
 * transaction uses it.
 */
final class CapturePause {
  private final Connection connection;

  /** The {@code CREATE TRIGGER} texts taken out, in the order they were made. */
  private final List<String> definitions;

  private CapturePause(Connection connection, List<String> definitions) {
    this.connection = connection;
    this.definitions = definitions;
  }

  /**
   * Drops the capture triggers that upserts of {@code tables} run (with {@code updates}, those of
   * upserts over existing rows too; with {@code deletes}, those of deletes) inside the open
   * transaction of {@code connection}; {@link #restore} must run before that transaction commits. A
   * trigger left in place costs time, never correctness: capture is off in the transaction.
   */
  static CapturePause of(
      Connection connection, Collection<Table> tables, boolean updates, boolean deletes)
      throws SQLException {
    List<String> names = new ArrayList<>();
    for (Table table : tables) {
      names.addAll(CaptureTriggers.upsertTriggers(table, updates, deletes));
    }
    if (connection.getAutoCommit()) {
      throw new IllegalStateException("capture triggers are paused only inside a transaction");
    }
    List<String> dropped = new ArrayList<>();
    List<String> definitions = new ArrayList<>();
    StringBuilder sql =
        new StringBuilder(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (");
    for (int i = 0; i < names.size(); i++) {
      sql.append(i == 0 ? "?" : ", ?");
    }
    sql.append(") ORDER BY rowid");
    try (PreparedStatement find = connection.prepareStatement(sql.toString())) {
      for (int i = 0; i < names.size(); i++) {
        find.setString(i + 1, names.get(i));
      }
      try (ResultSet rows = find.executeQuery()) {
        while (rows.next()) {
          dropped.add(rows.getString(1));
          definitions.add(rows.getString(2));
        }
      }
    }
    try (Statement statement = connection.createStatement()) {
      for (String name : dropped) {
        statement.execute("DROP TRIGGER \"" + name + "\"");
      }
    }
    return new CapturePause(connection, definitions);
  }

  /** Re-creates the triggers that were dropped, from their own text. */
  void restore() throws SQLException {
    try (Statement statement = connection.createStatement()) {
      for (String definition : definitions) {
        statement.execute(definition);
      }
    }
  }
}
