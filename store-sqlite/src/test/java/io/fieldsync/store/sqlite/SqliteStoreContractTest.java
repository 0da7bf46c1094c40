package io.fieldsync.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.ConfigException;
import io.fieldsync.store.PullPage;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.SyncStoreContract;
import io.fieldsync.store.SyncStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqliteStoreContractTest extends SyncStoreContract {

  @Override
  protected SyncStore openStore(Path dir) {
    return new SqliteStore(dir.resolve("server.db"), StoreOptions.DEFAULTS);
  }

  @Override
  protected Connection connect(Path dir) throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("server.db"));
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
  void deviceDatabaseIsRefusedUntouched() throws Exception {
    // Regression: adopted with CREATE TABLE IF NOT EXISTS; every push then failed with a 503.
    Path device = dir.resolve("sync.db");
    execute(
        device,
        "CREATE TABLE _fs_state (id INTEGER PRIMARY KEY, cursor INTEGER, capture INTEGER)",
        "CREATE TABLE households (id TEXT PRIMARY KEY, region TEXT)");
    try (SyncStore other = new SqliteStore(device, StoreOptions.DEFAULTS)) {
      assertThatThrownBy(() -> other.migrate(SCHEMA_V1))
          .isInstanceOf(ConfigException.class)
          .hasMessage(
              device
                  + " is a fieldsync device database (it has _fs_state), not a server store; give"
                  + " the server a database of its own");
    }
    assertThat(tables(device)).containsExactly("_fs_state", "households");
  }

  @Test
  void tableNotCreatedByFieldsyncIsRefusedUntouched() throws Exception {
    Path foreign = dir.resolve("foreign.db");
    execute(foreign, "CREATE TABLE households (id TEXT PRIMARY KEY, name TEXT)");
    try (SyncStore other = new SqliteStore(foreign, StoreOptions.DEFAULTS)) {
      assertThatThrownBy(() -> other.migrate(SCHEMA_V1))
          .isInstanceOf(ConfigException.class)
          .hasMessage(
              "sqlite store "
                  + foreign
                  + ": table 'households' exists but was not created by fieldsync (it has no"
                  + " _tenant column); use another database or drop it");
    }
    assertThat(tables(foreign)).containsExactly("households");
  }

  @Test
  void tableWithATenantColumnButUnknownToTheStoreIsRefused() throws Exception {
    Path foreign = dir.resolve("foreign.db");
    execute(foreign, "CREATE TABLE visits (_tenant TEXT, id TEXT, PRIMARY KEY (_tenant, id))");
    try (SyncStore other = new SqliteStore(foreign, StoreOptions.DEFAULTS)) {
      assertThatThrownBy(() -> other.migrate(SCHEMA_V1))
          .isInstanceOf(ConfigException.class)
          .hasMessage(
              "sqlite store "
                  + foreign
                  + ": table 'visits' exists but was not created by fieldsync (_fs_columns has"
                  + " no record of it); use another database or drop it");
    }
  }

  @Test
  void unrelatedTablesDoNotStopTheMigration() throws Exception {
    Path shared = dir.resolve("shared.db");
    execute(shared, "CREATE TABLE audit_log (id INTEGER PRIMARY KEY, line TEXT)");
    try (SyncStore other = new SqliteStore(shared, StoreOptions.DEFAULTS)) {
      other.migrate(SCHEMA_V1);
      other.migrate(SCHEMA_V2);
    }
    assertThat(tables(shared)).contains("audit_log", "households", "crops", "_fs_records");
  }

  @Test
  void aNewStoreIndexesTheSequenceWithTheTable() throws Exception {
    assertThat(sequenceIndexColumns()).containsExactly("tenant", "seq", "tbl");
  }

  private List<String> sequenceIndexColumns() throws Exception {
    List<String> columns = new ArrayList<>();
    try (Connection connection =
            DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("server.db"));
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery("SELECT name FROM pragma_index_info('_fs_records_by_seq')")) {
      while (rows.next()) {
        columns.add(rows.getString(1));
      }
    }
    return columns;
  }

  private static void execute(Path file, String... statements) throws Exception {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }

  private static List<String> tables(Path file) throws Exception {
    List<String> names = new ArrayList<>();
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")) {
      while (rows.next()) {
        names.add(rows.getString(1));
      }
    }
    return names;
  }

  @Test
  void committedPagesReachTheDatabaseFileWithoutTheWriterCheckpointing() throws Exception {
    // The writer's own checkpoint waits for tens of megabytes of WAL; these few commits reach the
    // main file only through the background checkpoint.
    int records = 0;
    for (int round = 0; round < 5; round++) {
      int first = records;
      records += 40;
      int last = records;
      store.write(
          TENANT,
          transaction -> {
            for (int n = first; n < last; n++) {
              transaction.save(household(uuid(n), transaction.nextSequence(), "north", n));
            }
            return null;
          });
    }
    long deadline = System.nanoTime() + 20_000_000_000L;
    long found = -1;
    while (found != records && System.nanoTime() < deadline) {
      found = householdsInMainFileAlone();
      if (found != records) {
        Thread.sleep(50);
      }
    }
    assertThat(found).as("households in the database file without its WAL").isEqualTo(records);
  }

  /** The households of a copy of the database file taken without its WAL; -1 if it is torn. */
  private long householdsInMainFileAlone() throws Exception {
    Path copy = dir.resolve("main-only.db");
    Files.deleteIfExists(copy);
    Files.deleteIfExists(dir.resolve("main-only.db-wal"));
    Files.deleteIfExists(dir.resolve("main-only.db-shm"));
    Files.copy(dir.resolve("server.db"), copy);
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + copy);
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT count(*) FROM households")) {
      rows.next();
      return rows.getLong(1);
    } catch (SQLException e) {
      return -1; // copied in the middle of a checkpoint's page writes
    }
  }

  @Test
  void aNewStoreFileHasLargePagesAndAnOldOneKeepsItsOwn() throws Exception {
    assertThat(pragma(dir.resolve("server.db"), "page_size")).isEqualTo(SqliteStore.PAGE_SIZE);

    Path old = dir.resolve("old.db");
    execute(old, "PRAGMA page_size = 4096", "PRAGMA journal_mode = WAL");
    try (SyncStore store = new SqliteStore(old, StoreOptions.DEFAULTS)) {
      store.migrate(SCHEMA_V1);
      for (int n = 1; n <= 300; n++) {
        int number = n;
        store.write(
            TENANT,
            transaction -> {
              transaction.save(
                  household(uuid(number), transaction.nextSequence(), "north", number));
              return null;
            });
      }
    }
    assertThat(pragma(old, "page_size")).isEqualTo(4096);
    try (SyncStore reopened = new SqliteStore(old, StoreOptions.DEFAULTS)) {
      reopened.migrate(SCHEMA_V1);
      PullPage page = reopened.pull(TENANT, 0, 1_000);
      assertThat(page.records()).hasSize(300);
      for (StoredRecord record : page.records()) {
        assertThat(record.values().get("visits")).isEqualTo(record.seq());
      }
    }
  }

  private static long pragma(Path file, String name) throws Exception {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("PRAGMA " + name)) {
      rows.next();
      return rows.getLong(1);
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
