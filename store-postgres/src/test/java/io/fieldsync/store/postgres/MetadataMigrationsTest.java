package io.fieldsync.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.ConfigException;
import io.fieldsync.store.postgres.MetadataMigrations.Step;
import io.fieldsync.store.postgres.testing.PostgresDatabaseExtension;
import io.fieldsync.store.postgres.testing.TestDatabase;
import io.fieldsync.store.postgres.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresDatabaseExtension.class)
class MetadataMigrationsTest {

  private static final Step CREATE =
      new Step(1, "notes table", List.of("CREATE TABLE notes (id bigint PRIMARY KEY)"));
  private static final Step ADD_COLUMN =
      new Step(2, "notes.body", List.of("ALTER TABLE notes ADD COLUMN body text"));

  @Test
  void aNewDatabaseGetsEveryStepAndASecondRunDoesNothing() throws SQLException {
    TestDatabase database = TestPostgres.newDatabase("migrations_new");
    try (Connection connection = database.connect()) {
      assertThat(applyAndCommit(connection, List.of(CREATE))).isEqualTo(1);
      execute(connection, "INSERT INTO notes VALUES (7)");

      assertThat(applyAndCommit(connection, List.of(CREATE, ADD_COLUMN))).isEqualTo(1);
      assertThat(applyAndCommit(connection, List.of(CREATE, ADD_COLUMN))).isZero();

      assertThat(query(connection, "SELECT id || ':' || coalesce(body, '-') FROM notes"))
          .containsExactly("7:-");
      assertThat(
              query(
                  connection,
                  "SELECT version || ' ' || description FROM _fs_migrations ORDER BY version"))
          .containsExactly("1 notes table", "2 notes.body");
    } finally {
      TestPostgres.dropDatabase(database);
    }
  }

  @Test
  void aFailingStepLeavesTheDatabaseAsItWas() throws SQLException {
    TestDatabase database = TestPostgres.newDatabase("migrations_fail");
    Step broken = new Step(2, "broken", List.of("ALTER TABLE notes ADD COLUMN id text"));
    try (Connection connection = database.connect()) {
      applyAndCommit(connection, List.of(CREATE));

      assertThatThrownBy(() -> applyAndCommit(connection, List.of(CREATE, broken)))
          .isInstanceOf(SQLException.class)
          .hasMessageStartingWith("migration step 2 (broken) failed: ERROR: column \"id\"");

      assertThat(MetadataMigrations.currentVersion(connection)).isEqualTo(1);
    } finally {
      TestPostgres.dropDatabase(database);
    }
  }

  @Test
  void aDatabaseMigratedByANewerBuildIsRefused() throws SQLException {
    TestDatabase database = TestPostgres.newDatabase("migrations_newer");
    try (Connection connection = database.connect()) {
      applyAndCommit(connection, List.of(CREATE, ADD_COLUMN));

      assertThatThrownBy(() -> applyAndCommit(connection, List.of(CREATE)))
          .isInstanceOf(ConfigException.class)
          .hasMessage(
              "the database's fieldsync tables are at version 2 but this server knows only up"
                  + " to 1: upgrade this server to the version the other nodes run");
    } finally {
      TestPostgres.dropDatabase(database);
    }
  }

  @Test
  void nodesStartingTogetherMigrateExactlyOnce(TestDatabase database) throws Exception {
    int nodes = 6;
    ExecutorService pool = Executors.newFixedThreadPool(nodes);
    try {
      List<Future<Integer>> applied = new ArrayList<>();
      for (int node = 0; node < nodes; node++) {
        Callable<Integer> start =
            () -> {
              try (Connection connection = database.connect()) {
                return applyAndCommit(connection, List.of(CREATE, ADD_COLUMN));
              }
            };
        applied.add(pool.submit(start));
      }
      int total = 0;
      for (Future<Integer> future : applied) {
        total += future.get();
      }
      assertThat(total).isEqualTo(2);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void stepsMustBeNumberedFromOne() {
    assertThatThrownBy(() -> new MetadataMigrations(List.of(ADD_COLUMN)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("migration steps must be numbered 1, 2, 3…; step at position 1 has version 2");
  }

  private static int applyAndCommit(Connection connection, List<Step> steps) throws SQLException {
    connection.setAutoCommit(false);
    try {
      int applied = new MetadataMigrations(steps).apply(connection);
      connection.commit();
      return applied;
    } catch (SQLException | RuntimeException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(true);
    }
  }

  private static void execute(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  private static List<String> query(Connection connection, String sql) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery(sql)) {
      while (result.next()) {
        rows.add(result.getString(1));
      }
    }
    return rows;
  }
}
