package io.fieldsync.client.internal.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.internal.state.DeviceFixture;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Acknowledgements of one push ask {@link LogKeyIndex} which of their records still have log rows
 * after the batch, while the application adds rows and, here, something else deletes some: every
 * answer is the test's own list of the rows it wrote and did not delete, each exactly once.
 */
class LogKeyIndexTest {
  @TempDir Path dir;
  private DeviceFixture device;

  /** The log as the test wrote it: id, record, the temperature the row wrote. */
  private record Written(long id, String rid, double temperature) {}

  private final List<Written> log = new ArrayList<>();
  private int records;
  private double nextTemperature;

  @BeforeEach
  void setUp() {
    device = DeviceFixture.create(dir.resolve("device.db"));
  }

  @AfterEach
  void closeDevice() {
    device.close();
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4})
  void everyAnswerNamesExactlyTheRowsLeftAfterTheBatch(long seed) throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    try (Connection c = device.connection()) {
      write(c, random, 300);
      LogKeyIndex index = new LogKeyIndex();
      long end = 0;
      int deletedElsewhere = 0;
      boolean refilled = false;
      while (!log.isEmpty()) {
        end = Math.min(end + 1 + random.nextInt(40), log.get(log.size() - 1).id());
        long acknowledged = end;
        c.setAutoCommit(false);
        try (PreparedStatement delete =
            c.prepareStatement("DELETE FROM _fs_changelog WHERE id <= ?")) {
          delete.setLong(1, acknowledged);
          delete.executeUpdate();
        }
        log.removeIf(row -> row.id() <= acknowledged);
        c.commit();
        c.setAutoCommit(true);
        if (log.isEmpty() && !refilled) {
          // An empty log numbers its next rows from 1 again, below the rows the index read.
          write(c, random, 30);
          refilled = true;
          end = 0;
        } else if (random.nextInt(4) == 0) {
          // The application writes between batches.
          write(c, random, 1 + random.nextInt(20));
        }
        if (random.nextInt(6) == 0 && !log.isEmpty()) {
          // A row gone without the index seeing it: no answer may name it.
          Written gone = log.remove(random.nextInt(log.size()));
          device.sql("DELETE FROM _fs_changelog WHERE id = " + gone.id());
          deletedElsewhere++;
        }
        Set<Outbox.RecordKey> among = new HashSet<>();
        for (int k = random.nextInt(30); k >= 0; k--) {
          among.add(key("v" + random.nextInt(records + 3)));
        }
        Outbox.PendingLog pending = index.pendingAfter(c, end, among);

        for (Outbox.RecordKey key : among) {
          List<Object> expected = new ArrayList<>();
          for (Written row : log) {
            if (row.rid().equals(key.rid())) {
              expected.add(row.temperature());
            }
          }
          Outbox.Pending found = pending.forRecord(c, key);
          if (expected.isEmpty()) {
            assertThat(found).as("seed %d, end %d, %s", seed, end, key.rid()).isNull();
          } else {
            assertThat(found).as("seed %d, end %d, %s", seed, end, key.rid()).isNotNull();
            assertThat(found.fields.get("temperature").writes())
                .as("seed %d, end %d: temperatures pending for %s", seed, end, key.rid())
                .isEqualTo(expected);
          }
        }
      }
      assertThat(deletedElsewhere).as("rows deleted behind the index's back").isPositive();
      assertThat(refilled).as("the log emptied and filled again").isTrue();
    }
  }

  /** Writes {@code count} log rows: new visits or new temperatures of earlier ones. */
  private void write(Connection c, SplittableRandom random, int count) throws Exception {
    for (int i = 0; i < count; i++) {
      double temperature = ++nextTemperature;
      String rid;
      String sql;
      if (records == 0 || random.nextInt(3) == 0) {
        rid = "v" + records++;
        sql = "INSERT INTO visits (temperature, id) VALUES (?, ?)";
      } else {
        rid = "v" + random.nextInt(records);
        sql = "UPDATE visits SET temperature = ? WHERE id = ?";
      }
      try (PreparedStatement statement = c.prepareStatement(sql)) {
        statement.setDouble(1, temperature);
        statement.setString(2, rid);
        statement.executeUpdate();
      }
      long id;
      try (PreparedStatement last = c.prepareStatement("SELECT max(id) FROM _fs_changelog");
          ResultSet rows = last.executeQuery()) {
        rows.next();
        id = rows.getLong(1);
      }
      log.add(new Written(id, rid, temperature));
    }
  }

  private static Outbox.RecordKey key(String rid) {
    return new Outbox.RecordKey("visits", rid);
  }
}
