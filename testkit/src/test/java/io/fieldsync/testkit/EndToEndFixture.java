package io.fieldsync.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server on loopback and the devices a test makes; all closed after. The server's store is a
 * SQLite file; a {@code Postgres...Test} subclass of a test class runs the same tests on a fresh
 * PostgreSQL database by overriding {@link #backend()}.
 */
abstract class EndToEndFixture {
  @TempDir Path dir;
  ServerBackend backend;
  TestServer server;
  final List<TestDevice> devices = new ArrayList<>();

  /** The server's store for one test; called once before each test. */
  ServerBackend backend() {
    return ServerBackend.sqlite();
  }

  @BeforeEach
  void startServer() {
    backend = backend();
    server = backend.start(dir);
  }

  @AfterEach
  void stopAll() {
    try {
      for (TestDevice device : devices) {
        device.close();
      }
      if (server != null) {
        server.close();
      }
    } finally {
      if (backend != null) {
        backend.close();
      }
    }
  }

  /** A plain JDBC connection to the server's database (SQLite file or PostgreSQL). */
  Connection serverDatabase() throws SQLException {
    return backend.connect(server);
  }

  TestDevice device(String name) {
    return device(name, UnaryOperator.identity());
  }

  TestDevice device(String name, UnaryOperator<io.fieldsync.client.FieldSyncClient.Builder> how) {
    TestDevice device = TestDevice.init(server, dir, name, how);
    devices.add(device);
    return device;
  }

  Replicas.Snapshot serverRows() {
    return Replicas.server(server.store(), TestServer.TENANT, server.schema());
  }

  /** Every device and the server hold the same rows; returns them. */
  Replicas.Snapshot assertConverged(TestDevice... replicas) {
    Replicas.Snapshot expected = serverRows();
    for (TestDevice device : replicas) {
      assertThat(device.snapshot().toString())
          .as("rows of %s compared with the server's", device.name())
          .isEqualTo(expected.toString());
      assertThat(device.client().status().pending()).as("outbox of %s", device.name()).isZero();
    }
    return expected;
  }

  static String uuid(int n) {
    return new UUID(0x0190f3a400007000L, 0x8000000000000000L | n).toString();
  }

  static String household(String id, String region, String head) {
    return "INSERT INTO households (id, region, head_name, visit_count, tags) VALUES ('"
        + id
        + "', '"
        + region
        + "', '"
        + head
        + "', 0, '[]')";
  }
}
