package io.fieldsync.store.postgres;

import io.fieldsync.ConfigException;
import io.fieldsync.store.jdbc.Queries;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Objects;

/**
 * Creates and upgrades the store's own (metadata) tables through numbered steps recorded in {@code
 * _fs_migrations}.
 *
 * <p>All pending steps run in one transaction (PostgreSQL DDL is transactional: a failed step
 * leaves the database as it was) under a transaction-level advisory lock, so several server nodes
 * starting at once on one database migrate it exactly once: the first takes the lock and applies,
 * the others wait and then find nothing to do. Steps are append-only: a released step is never
 * edited, a change is a new step. A database already migrated past the steps this build knows is
 * refused, because an older node must not write to tables it does not understand.
 */
final class MetadataMigrations {

  /** One numbered step: statements that run in order. */
  record Step(int version, String description, List<String> statements) {
    Step {
      Objects.requireNonNull(description, "description");
      statements = List.copyOf(statements);
      if (version < 1) {
        throw new IllegalArgumentException("step version must be 1 or more, found " + version);
      }
    }
  }

  /**
   * Key of the advisory lock that serialises migrations of one database (user tables included). Any
   * fixed 64-bit number works; this is "fieldsyn" in ASCII.
   */
  static final long LOCK_KEY = 0x6669656C6473796EL;

  private final List<Step> steps;

  MetadataMigrations(List<Step> steps) {
    this.steps = List.copyOf(steps);
    for (int index = 0; index < this.steps.size(); index++) {
      if (this.steps.get(index).version() != index + 1) {
        throw new IllegalArgumentException(
            "migration steps must be numbered 1, 2, 3…; step at position "
                + (index + 1)
                + " has version "
                + this.steps.get(index).version());
      }
    }
  }

  /** The newest version this build knows. */
  int latestVersion() {
    return steps.size();
  }

  /**
   * Takes the migration lock for the rest of the connection's current transaction. The caller has
   * auto-commit off.
   */
  static void lock(Connection connection) throws SQLException {
    new Queries(connection).execute("SELECT pg_advisory_xact_lock(?)", LOCK_KEY);
  }

  /**
   * Applies the pending steps inside the connection's current transaction (auto-commit off) and
   * returns how many ran; the caller commits. Takes the migration lock first.
   *
   * @throws ConfigException when the database is at a newer version than this build knows
   */
  int apply(Connection connection) throws SQLException {
    lock(connection);
    Queries queries = new Queries(connection);
    queries.execute(
        "CREATE TABLE IF NOT EXISTS _fs_migrations ("
            + "version integer PRIMARY KEY, "
            + "description text NOT NULL, "
            + "applied_at timestamptz NOT NULL DEFAULT now())");
    int current = currentVersion(connection);
    if (current > latestVersion()) {
      throw new ConfigException(
          "the database's fieldsync tables are at version "
              + current
              + " but this server knows only up to "
              + latestVersion()
              + ": upgrade this server to the version the other nodes run");
    }
    for (Step step : steps.subList(current, steps.size())) {
      try (Statement statement = connection.createStatement()) {
        for (String sql : step.statements()) {
          statement.execute(sql);
        }
      } catch (SQLException e) {
        throw new SQLException(
            "migration step "
                + step.version()
                + " ("
                + step.description()
                + ") failed: "
                + e.getMessage(),
            e.getSQLState(),
            e);
      }
      queries.update(
          "INSERT INTO _fs_migrations (version, description) VALUES (?, ?)",
          step.version(),
          step.description());
    }
    return latestVersion() - current;
  }

  /** The highest applied step, 0 on a new database. */
  static int currentVersion(Connection connection) throws SQLException {
    return (int)
        new Queries(connection).queryLong("SELECT coalesce(max(version), 0) FROM _fs_migrations");
  }
}
