package io.fieldsync.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.ConfigException;
import org.junit.jupiter.api.Test;

class PostgresLocationTest {

  @Test
  void acceptsPostgresUrlsAndJdbcUrlsButNotFiles() {
    assertThat(PostgresLocation.accepts("postgresql://127.0.0.1:5432/test")).isTrue();
    assertThat(PostgresLocation.accepts("postgres://db/test")).isTrue();
    assertThat(PostgresLocation.accepts("jdbc:postgresql://db/test?user=a")).isTrue();
    assertThat(PostgresLocation.accepts("JDBC:POSTGRESQL://db/test")).isTrue();
    assertThat(PostgresLocation.accepts("sync.db")).isFalse();
    assertThat(PostgresLocation.accepts("/var/lib/fieldsync/postgresql.db")).isFalse();
    assertThat(PostgresLocation.accepts("jdbc:sqlite:sync.db")).isFalse();
  }

  @Test
  void queryParametersPassThroughToTheDriver() {
    PostgresLocation location =
        PostgresLocation.parse("postgresql://127.0.0.1:5432/test?user=fs&password=s3cret");

    assertThat(location.jdbcUrl())
        .isEqualTo("jdbc:postgresql://127.0.0.1:5432/test?user=fs&password=s3cret");
    assertThat(location.display()).isEqualTo("127.0.0.1:5432/test");
  }

  @Test
  void userInfoBecomesUserAndPasswordParameters() {
    PostgresLocation location =
        PostgresLocation.parse("postgres://fs:p%40ss%3Aword@db.internal/sync?sslmode=require");

    assertThat(location.jdbcUrl())
        .isEqualTo(
            "jdbc:postgresql://db.internal/sync?sslmode=require&user=fs&password=p%40ss%3Aword");
    assertThat(location.display()).isEqualTo("db.internal:5432/sync");
  }

  @Test
  void aPasswordGivenApartJoinsTheDriverUrlButNeverTheDisplay() {
    PostgresLocation location = PostgresLocation.parse("postgresql://db/sync?user=fs", "p@ss&word");

    assertThat(location.jdbcUrl())
        .isEqualTo("jdbc:postgresql://db/sync?user=fs&password=p%40ss%26word");
    assertThat(location.display()).isEqualTo("db:5432/sync");
    assertThat(PostgresLocation.parse("postgres://fs@db/sync", "pw").jdbcUrl())
        .isEqualTo("jdbc:postgresql://db/sync?user=fs&password=pw");
  }

  @Test
  void aPasswordGivenBothInTheLocationAndApartIsRefused() {
    assertThatThrownBy(() -> PostgresLocation.parse("postgres://fs:inurl@db/sync", "apart"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "invalid PostgreSQL location 'postgres://fs:***@db/sync': it carries a password and a"
                + " password was given apart from it; give it once (the password file or"
                + " environment keeps it out of process lists)");
  }

  @Test
  void jdbcUrlsAreKeptAsTheyAre() {
    String url = "jdbc:postgresql://a:5433,b:5434/sync?targetServerType=primary&user=fs";

    assertThat(PostgresLocation.parse(url).jdbcUrl()).isEqualTo(url);
  }

  @Test
  void anUrlTheDriverRejectsIsAConfigErrorWithoutThePassword() {
    assertThatThrownBy(
            () -> PostgresLocation.parse("postgresql://host:notaport/db?password=topsecret"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "invalid PostgreSQL location 'postgresql://host:notaport/db?password=***': the"
                + " PostgreSQL driver does not understand it");
  }

  @Test
  void maskingHidesPasswordsInBothForms() {
    assertThat(PostgresLocation.masked("postgresql://fs:secret@db/x?password=other&user=fs"))
        .isEqualTo("postgresql://fs:***@db/x?password=***&user=fs");
  }
}
