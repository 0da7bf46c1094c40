package io.fieldsync.client.internal.capture;

import static io.fieldsync.client.Households.H1;
import static io.fieldsync.client.Households.H2;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.Households;
import io.fieldsync.clock.Hlc;
import io.fieldsync.testkit.FaultyTransport;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import io.fieldsync.wire.Change;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device database written by the layout-1 library pushes its pending edits once upgraded; the
 * upgrade itself is the client module's {@code LayoutUpgradeTest}.
 */
class LayoutUpgradeSyncTest {
  private static final long STAMP = Hlc.of(System.currentTimeMillis(), 0);

  @TempDir Path dir;
  TestServer server;

  @AfterEach
  void stopServer() {
    server.close();
  }

  @Test
  void theUpgradedOutboxPushesEveryPendingRecordAndEmpties() throws Exception {
    server = TestServer.builder(dir).schema(Households.SCHEMA_YAML).start();
    FaultyTransport network = Households.network(server);
    TestDevice device = Households.device(server, network);
    device.close();
    LayoutOneDatabase.rewrite(
        device.database(), server.schema().tables().values(), Households.DEVICE, H1, STAMP);
    device = server.reopen(device, Households.over(network));
    device.sql("INSERT INTO households (id, region) VALUES ('" + H2 + "', 's')");

    device.sync();

    assertThat(network.pushes()).hasSize(1);
    assertThat(network.pushes().get(0).getChangesList())
        .extracting(Change::getRecordId)
        .containsExactly(H1, H2);
    assertThat(device.log()).isEmpty();
  }
}
