package io.fieldsync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.internal.state.DeviceState;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device that pushes more batches in one cycle than it keeps own-write ranges does not pull its
 * own records back: a 100,000-record push by the command used to report 68,000 records pulled.
 */
class OwnWritesPullTest {
  @TempDir Path dir;
  TestServer server;

  @BeforeEach
  void startServer() {
    server = TestServer.start(dir);
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  @Test
  void aLongPushInManyBatchesPullsNoneOfItsOwnRecordsBack() {
    int batches = 2 * DeviceState.MAX_OWN_WRITES + 3;
    TestDevice tablet = server.device("tablet", builder -> builder.batchSize(10));
    Map<String, String> expected = new TreeMap<>();
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < batches * 10; i++) {
      String id = new UUID(0x0190_0000_0000_7000L, 0x8000_0000_0000_0000L + i).toString();
      expected.put(id, "head " + i);
      rows.add(new Object[] {id, "head " + i});
    }
    for (Object[] row : rows) {
      tablet.execute(
          "INSERT INTO households (id, region, head_name) VALUES (?, 'north', ?)", row[0], row[1]);
    }

    SyncResult result = tablet.sync();

    assertThat(result.pushed()).isEqualTo(expected.size());
    assertThat(result.pulled()).as("own records pulled back").isZero();
    Map<String, String> onServer = new TreeMap<>();
    for (Map<String, Object> row : server.query("SELECT id, head_name FROM households")) {
      onServer.put((String) row.get("id"), (String) row.get("head_name"));
    }
    assertThat(onServer).isEqualTo(expected);
    assertThat(tablet.value("SELECT count(*) FROM _fs_changelog")).isEqualTo(0);
  }
}
