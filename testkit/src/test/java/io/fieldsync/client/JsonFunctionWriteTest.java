package io.fieldsync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.testkit.Replicas;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JSON value written through a JSON function (json_insert, json_array) keeps its JSON subtype
 * into the capture trigger, which then logs it as JSON rather than as a string. Regression: the
 * outbox read such a value back as null and pushed null (found by the simulation, seed 8): the
 * elements added to a set of a record not yet pushed were lost everywhere but on the writer.
 */
class JsonFunctionWriteTest {
  private static final String SCHEMA =
      """
      version: 1
      tables:
        notes:
          columns:
            id:    { type: text, primary_key: true }
            tags:  { type: json, conflict: union }
            data:  { type: json }
      """;

  @TempDir Path dir;
  TestServer server;

  @BeforeEach
  void start() {
    server = TestServer.builder(dir).schema(SCHEMA).start();
  }

  @org.junit.jupiter.api.AfterEach
  void stop() {
    server.close();
  }

  @Test
  void setElementsAddedByJsonInsertToAnUnpushedRecordReachTheServer() {
    TestDevice device = server.device("a");
    device.sql("INSERT INTO notes (id) VALUES ('n1')");
    device.sql(
        "UPDATE notes SET tags = json_insert(coalesce(tags, '[]'), '$[#]', 'p') WHERE id = 'n1'",
        "UPDATE notes SET tags = json_insert(tags, '$[#]', 'q') WHERE id = 'n1'");
    device.sync();

    Replicas.Snapshot rows = server.snapshot();
    assertThat(rows.row("notes", "n1").get("tags")).isEqualTo("[\"p\",\"q\"]");
  }

  @Test
  void anLwwJsonValueWrittenByAJsonFunctionReachesTheServerAndTheOtherDevices() {
    TestDevice writer = server.device("a");
    TestDevice reader = server.device("b");
    writer.sql("INSERT INTO notes (id, data) VALUES ('n1', '{\"k\":1}')");
    writer.sync();
    writer.sql("UPDATE notes SET data = json_set(data, '$.k', 2) WHERE id = 'n1'");
    writer.sync();
    reader.sync();

    assertThat(server.snapshot().row("notes", "n1").get("data")).isEqualTo("{\"k\":2}");
    server.assertConverged(writer, reader);
  }
}
