package io.fieldsync.testkit;

import io.fieldsync.schema.Schema;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test class whose tests each get a fresh {@link TestServer} (example schema, one node) in a
 * temporary directory (or the one {@link #schema()} gives). Its server database is SQLite; a {@code
 * Postgres...Test} subclass overrides {@link #database()} and runs the same tests on a fresh
 * PostgreSQL database.
 */
abstract class EndToEndTest {
  @TempDir Path dir;
  TestServer server;

  /** The server's database for one test; called once before each test. */
  ServerDatabase database() {
    return ServerDatabase.sqlite(dir.resolve("server.db"));
  }

  /** The schema the test class serves; the example schema unless a class overrides it. */
  Schema schema() {
    return TestServer.exampleSchema();
  }

  @BeforeEach
  void startServer() {
    server = TestServer.builder(dir).database(database()).schema(schema()).start();
  }

  @AfterEach
  void stopServer() {
    server.close();
  }
}
