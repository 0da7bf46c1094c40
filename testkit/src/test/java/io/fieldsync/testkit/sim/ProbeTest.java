package io.fieldsync.testkit.sim;

import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProbeTest {
  @TempDir Path dir;

  @Test
  void probe() {
    try (TestServer server = TestServer.builder(dir).schema(SimServer.SCHEMA_V1).start()) {
      TestDevice a = server.device("a");
      a.sql("INSERT INTO items (id, total, hi, lo, owned) VALUES ('r1', 0, 0, 0, 'x')");
      a.sql(
          "UPDATE items SET tags = json_insert(coalesce(tags, '[]'), '$[#]', 'p') WHERE id = 'r1'");
      a.sql(
          "UPDATE items SET tags = json_insert(coalesce(tags, '[]'), '$[#]', 'q') WHERE id = 'r1'");
      System.out.println("LOG " + a.log());
      a.sync();
      System.out.println("SERVER " + server.snapshot());
      System.out.println("JOURNAL " + server.query("SELECT * FROM _fs_journal"));
    }
  }
}
