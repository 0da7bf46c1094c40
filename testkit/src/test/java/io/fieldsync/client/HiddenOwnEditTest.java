package io.fieldsync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression (found by the simulation's deep run, seed 5001311): a push answered with a merged
 * server record hid the device's next, still pending edit of a {@code server_wins} field of that
 * record (the device judged it concurrent by the record's sequence, which another device's edit of
 * another field had raised). The server then applied the edit, but the device's row kept the old
 * value for good: pulls leave a device's own writes out.
 */
class HiddenOwnEditTest {
  private static final String SCHEMA =
      """
      version: 1
      tables:
        items:
          columns:
            id:    { type: text, primary_key: true }
            score: { type: integer }
            owned: { type: text, conflict: server_wins }
      """;

  @TempDir Path dir;

  @Test
  void anOwnServerWinsEditPushedAfterAMergedBatchShowsOnTheDevice() {
    try (TestServer server = TestServer.builder(dir).schema(SCHEMA).start()) {
      TestDevice a = server.device("a", builder -> builder.batchSize(1));
      TestDevice b = server.device("b");
      a.sql("INSERT INTO items (id, score, owned) VALUES ('r1', 1, 'o1')");
      a.sync();
      b.sync();
      a.sql("UPDATE items SET score = 2 WHERE id = 'r1'");
      b.sql("UPDATE items SET score = 3 WHERE id = 'r1'");
      b.sync();
      // Another record between the two edits of r1: batches of one record push them apart.
      a.sql("INSERT INTO items (id, score, owned) VALUES ('r2', 1, 'o1')");
      a.sql("UPDATE items SET owned = 'o2' WHERE id = 'r1'");

      a.sync();
      b.sync();

      assertThat(server.snapshot().row("items", "r1").get("owned")).isEqualTo("o2");
      server.assertConverged(a, b);
    }
  }
}
