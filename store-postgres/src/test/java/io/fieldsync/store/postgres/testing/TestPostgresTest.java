package io.fieldsync.store.postgres.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresDatabaseExtension.class)
class TestPostgresTest {

  @Test
  void eachClassGetsItsOwnEmptyDatabase(TestDatabase database) throws Exception {
    try (Connection connection = database.connect();
        Statement statement = connection.createStatement();
        ResultSet tables =
            statement.executeQuery(
                "SELECT current_database(), (SELECT count(*) FROM pg_tables"
                    + " WHERE schemaname = 'public')")) {
      assertThat(tables.next()).isTrue();
      assertThat(tables.getString(1)).isEqualTo(database.name()).startsWith("fs_test_");
      assertThat(tables.getLong(2)).isZero();
    }
  }

  @Test
  void newDatabasesAreDistinct() {
    TestDatabase first = TestPostgres.newDatabase("distinct");
    TestDatabase second = TestPostgres.newDatabase("distinct");
    try {
      assertThat(first.name()).isNotEqualTo(second.name());
      assertThat(first.location()).startsWith("postgresql://").contains("?user=");
    } finally {
      TestPostgres.dropDatabase(first);
      TestPostgres.dropDatabase(second);
    }
  }
}
