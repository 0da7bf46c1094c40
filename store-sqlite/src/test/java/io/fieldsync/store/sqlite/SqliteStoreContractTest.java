package io.fieldsync.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.SyncStoreContract;
import io.fieldsync.store.SyncStores;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class SqliteStoreContractTest extends SyncStoreContract {

  @Override
  protected SyncStore openStore(Path dir) {
    return new SqliteStore(dir.resolve("server.db"), StoreOptions.DEFAULTS);
  }

  @Override
  protected SyncStore reopenStore(Path dir) {
    return openStore(dir);
  }

  @Test
  void userDataLivesInRealTypedTablesAnySqlToolCanRead() throws Exception {
    store.write(
        TENANT,
        transaction -> {
          transaction.save(household(uuid(1), transaction.nextSequence(), "north", 4));
          return null;
        });
    try (Connection connection =
            DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("server.db"));
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT _tenant, id, region, visits, active, typeof(visits) FROM households")) {
      assertThat(rows.next()).isTrue();
      assertThat(rows.getString(1)).isEqualTo(TENANT);
      assertThat(rows.getString(2)).isEqualTo(uuid(1));
      assertThat(rows.getString(3)).isEqualTo("north");
      assertThat(rows.getLong(4)).isEqualTo(4);
      assertThat(rows.getInt(5)).isEqualTo(1);
      assertThat(rows.getString(6)).isEqualTo("integer");
      assertThat(rows.next()).isFalse();
    }
  }

  @Test
  void databaseRunsInWalMode() throws Exception {
    try (Connection connection =
            DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("server.db"));
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("PRAGMA journal_mode")) {
      rows.next();
      assertThat(rows.getString(1)).isEqualToIgnoringCase("wal");
    }
  }

  @Test
  void providerIsFoundForFilePathsAndSqliteUrlsOnly() {
    SqliteStoreProvider provider = new SqliteStoreProvider();
    assertThat(provider.accepts("sync.db")).isTrue();
    assertThat(provider.accepts("/var/lib/fieldsync/sync.db")).isTrue();
    assertThat(provider.accepts("sqlite:sync.db")).isTrue();
    assertThat(provider.accepts("jdbc:sqlite:sync.db")).isTrue();
    assertThat(provider.accepts("postgresql://localhost/db")).isFalse();
    assertThat(provider.accepts("postgres://u:p@localhost/db")).isFalse();
    assertThat(provider.accepts("jdbc:postgresql://localhost/db")).isFalse();
    assertThat(provider.accepts("http://example.com/db")).isFalse();
    assertThat(SqliteStoreProvider.path("jdbc:sqlite:a/b.db")).isEqualTo(Path.of("a/b.db"));
    try (SyncStore opened =
        SyncStores.open("sqlite:" + dir.resolve("other.db"), StoreOptions.DEFAULTS)) {
      assertThat(opened.name()).isEqualTo("sqlite");
    }
  }
}
