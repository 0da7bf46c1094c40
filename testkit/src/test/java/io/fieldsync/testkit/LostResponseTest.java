package io.fieldsync.testkit;

import static io.fieldsync.testkit.FieldSurvey.household;
import static io.fieldsync.testkit.FieldSurvey.uuid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.TransportException;
import io.fieldsync.testkit.FaultyTransport.Fault;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** A push the server committed but whose response never arrived is applied exactly once. */
class LostResponseTest extends EndToEndTest {
  @Test
  void aPushWhoseResponseIsLostIsRetriedAndAppliedExactlyOnce() throws Exception {
    String h1 = uuid(1);
    TestDevice other = server.device("phone-other");
    other.sql(household(h1, "north", "Fatou"));
    other.sync();
    FaultyTransport network = FaultyTransport.http(server.uri(), server.token("tablet-lossy"), 1);
    TestDevice lossy = server.device("tablet-lossy", builder -> builder.transport(network));
    lossy.sync();
    long before = server.sequence(TestServer.TENANT);

    lossy.sql("UPDATE households SET visit_count = visit_count + 1 WHERE id = '" + h1 + "'");
    lossy.sql("UPDATE households SET visit_count = visit_count + 2 WHERE id = '" + h1 + "'");
    network.script(Fault.DROP_RESPONSE);
    assertThatThrownBy(lossy::sync)
        .isInstanceOf(TransportException.class)
        .hasMessage(
            "injected fault: the response to push call 2 was lost after the server answered");
    // The server committed the batch once; the device still has it in flight.
    assertThat(server.sequence(TestServer.TENANT)).isEqualTo(before + 1);
    assertThat(lossy.scalar("SELECT count(*) FROM _fs_inflight")).isEqualTo(1L);
    assertThat(lossy.client().status().pending()).isEqualTo(2);

    network.script(Fault.DUPLICATE);
    lossy.sync();
    other.sync();

    Replicas.Snapshot rows = server.assertConverged(lossy, other);
    assertThat(rows.row("households", h1)).containsEntry("visit_count", 3L);
    assertThat(server.sequence(TestServer.TENANT)).isEqualTo(before + 1);
    assertThat(lossy.scalar("SELECT count(*) FROM _fs_inflight")).isEqualTo(0L);
    assertThat(journal("tablet-lossy"))
        .as("one journal entry, one recorded batch outcome")
        .isEqualTo("journal=1 seq=" + (before + 1) + " batches=1");
    assertThat(network.events())
        .extracting(FaultyTransport.Event::fault)
        .containsSubsequence(Fault.DROP_RESPONSE, Fault.DUPLICATE);
  }

  /** The device's journal rows and batch outcomes in the server's database. */
  private String journal(String device) throws Exception {
    try (Connection connection = server.database().connect();
        Statement sql = connection.createStatement()) {
      String journal;
      try (ResultSet rows =
          sql.executeQuery(
              "SELECT count(*), max(seq) FROM _fs_journal WHERE device = '" + device + "'")) {
        rows.next();
        journal = "journal=" + rows.getLong(1) + " seq=" + rows.getLong(2);
      }
      try (ResultSet rows =
          sql.executeQuery("SELECT count(*) FROM _fs_batches WHERE device = '" + device + "'")) {
        rows.next();
        return journal + " batches=" + rows.getLong(1);
      }
    }
  }
}
