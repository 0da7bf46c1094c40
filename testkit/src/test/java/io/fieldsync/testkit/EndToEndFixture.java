package io.fieldsync.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A server on loopback over a SQLite file and the devices a test makes; all closed after. */
abstract class EndToEndFixture {
  @TempDir Path dir;
  TestServer server;
  final List<TestDevice> devices = new ArrayList<>();

  @BeforeEach
  void startServer() {
    server = TestServer.start(dir);
  }

  @AfterEach
  void stopAll() {
    for (TestDevice device : devices) {
      device.close();
    }
    if (server != null) {
      server.close();
    }
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
