package io.fieldsync.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.SyncStores;
import io.fieldsync.store.postgres.testing.PostgresDatabaseExtension;
import io.fieldsync.store.postgres.testing.TestDatabase;
import io.fieldsync.wire.FieldVersion;
import io.fieldsync.wire.RecordVersions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The recovery methods of the shared JDBC engine (tombstone purge, records by id, scans) on
 * PostgreSQL.
 */
@ExtendWith(PostgresDatabaseExtension.class)
class PostgresRecoveryTest {
  private static final String TENANT = "acme";

  @Test
  void purgeRecordsAndScanWorkOnPostgres(TestDatabase database) throws SQLException {
    try (Connection connection = database.connect();
        Statement statement = connection.createStatement()) {
      statement.execute("DROP SCHEMA public CASCADE");
      statement.execute("CREATE SCHEMA public");
    }
    try (SyncStore store = SyncStores.open(database.location(), new StoreOptions(2, 5_000))) {
      store.migrate(
          SchemaLoader.parse(
              """
              version: 1
              tables:
                samples:
                  columns:
                    id:    { type: uuid, primary_key: true }
                    label: { type: text }
                    count: { type: integer }
              """));
      save(store, 1, false);
      save(store, 2, false);
      save(store, 1, true); // tombstone at seq 3
      long day = 86_400_000L;

      assertThat(store.purgeTombstones(0, day)).isZero();
      assertThat(store.purgeTombstones(day, day)).isEqualTo(1);
      assertThat(store.purgedThrough(TENANT)).isEqualTo(3);
      assertThat(store.records(TENANT, "samples", List.of(id(1), id(2)))).containsOnlyKeys(id(2));
      List<StoredRecord> scanned = new ArrayList<>();
      store.scanLive(TENANT, "samples", scanned::add);
      assertThat(scanned)
          .singleElement()
          .satisfies(
              record ->
                  assertThat(record.values())
                      .containsEntry("id", id(2))
                      .containsEntry("label", "s2")
                      .containsEntry("count", 2L));
    }
  }

  private static String id(int n) {
    return String.format("0190f3a4-0000-7000-8000-%012d", n);
  }

  private static void save(SyncStore store, int n, boolean deleted) {
    store.write(
        TENANT,
        transaction -> {
          long seq = transaction.nextSequence();
          Map<String, Object> values = new LinkedHashMap<>();
          values.put("id", id(n));
          values.put("label", "s" + n);
          values.put("count", (long) n);
          RecordVersions versions =
              RecordVersions.newBuilder()
                  .setRow(FieldVersion.newBuilder().setSeq(seq).setHlc(seq << 16).setDevice("d1"))
                  .build();
          transaction.save(new StoredRecord("samples", id(n), seq, deleted, values, versions));
          return null;
        });
  }
}
