package io.fieldsync.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.TransportException;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.HttpTransport;
import io.fieldsync.client.ResyncRequiredException;
import io.fieldsync.client.ResyncResult;
import io.fieldsync.client.SyncListener;
import io.fieldsync.wire.PullRequest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResyncTest extends LiveFixture {

  @Test
  void deviceBehindTheTombstoneHorizonResyncsAndKeepsItsUnsentEdits() throws Exception {
    startServer(0, SECRET, 0); // horizon 0: a purge removes every tombstone committed so far
    FieldSyncClient a = device("a");
    FieldSyncClient b = device("b");
    for (int n = 1; n <= 3; n++) {
      insertHousehold(a, n, "h" + n);
    }
    a.syncNow(); // seq 1..3
    b.syncNow(); // b at cursor 3
    sql(a, "DELETE FROM households WHERE id = '" + uuid(1) + "'");
    a.syncNow(); // tombstone at seq 4
    insertHousehold(a, 4, "h4");
    a.syncNow(); // seq 5
    assertThat(server.purgeTombstones()).isEqualTo(1);
    assertThat(store.purgedThrough(TENANT)).isEqualTo(4);

    assertThatThrownBy(
            () ->
                new HttpTransport(server.uri(), token("b"))
                    .pull(PullRequest.newBuilder().setCursor(3).build()))
        .isInstanceOf(ResyncRequiredException.class)
        .hasMessage(
            "POST "
                + server.uri()
                + "/v1/pull returned 410: cursor 3 is older than the tombstone horizon: deletes"
                + " up to sequence 4 were purged; resync the device (take a snapshot)");

    // Offline edits on b, and a row written behind the library's back that the server never had.
    sql(b, "UPDATE households SET head_name = 'edited on b' WHERE id = '" + uuid(2) + "'");
    insertHousehold(b, 5, "new on b");
    sql(
        b,
        "UPDATE _fs_state SET capture = 0",
        "INSERT INTO households (id, region) VALUES ('" + uuid(99) + "', 'ghost')",
        "UPDATE _fs_state SET capture = 1");
    List<String> reasons = new ArrayList<>();
    List<long[]> progress = new ArrayList<>();
    b.addListener(
        new SyncListener() {
          @Override
          public void resyncStarted(String reason) {
            reasons.add(reason);
          }

          @Override
          public void snapshotProgress(long done, long total, boolean finished) {
            progress.add(new long[] {done, total, finished ? 1 : 0});
          }
        });

    b.syncNow();

    assertThat(reasons).singleElement().asString().contains("returned 410");
    assertThat(progress).isNotEmpty();
    assertThat(progress.get(progress.size() - 1)).containsExactly(4, 4, 1);
    assertThat(ids(b)).containsExactly(uuid(2), uuid(3), uuid(4), uuid(5));
    assertThat(scalar(b, "SELECT head_name FROM households WHERE id = '" + uuid(2) + "'"))
        .isEqualTo("edited on b");
    assertThat(store.records(TENANT, "households", List.of(uuid(2), uuid(5))))
        .hasEntrySatisfying(
            uuid(2),
            record -> assertThat(record.values()).containsEntry("head_name", "edited on b"))
        .containsKey(uuid(5));
    assertThat(b.status().cursor()).isEqualTo(store.currentSequence(TENANT));
    assertThat(b.status().pending()).isZero();
    assertThat(scalar(b, "SELECT count(*) FROM _fs_meta WHERE key LIKE 'snapshot_%'")).isEqualTo(0);
  }

  @Test
  void interruptedSnapshotResumesWhereItStoppedAndCompletes() throws Exception {
    startServer();
    FieldSyncClient a = device("a");
    for (int n = 1; n <= 10; n++) {
      insertHousehold(a, n, "h" + n);
    }
    a.syncNow(); // seq 1..10
    CountingTransport transport =
        new CountingTransport(new HttpTransport(server.uri(), token("b")));
    FieldSyncClient b =
        FieldSyncClient.builder(dir.resolve("b.db"))
            .server(server.uri())
            .token(token("b"))
            .transport(transport)
            .pullPageSize(3)
            .initialize();
    closing.add(b);
    transport.pullsAllowed = 2;

    assertThatThrownBy(b::resync)
        .isInstanceOf(TransportException.class)
        .hasMessage("fault: pull from cursor 6 cut after 2");
    assertThat(count(b, "households")).isEqualTo(6);
    assertThat(scalar(b, "SELECT value FROM _fs_meta WHERE key = 'snapshot_cursor'")).isEqualTo(6);
    assertThat(b.status().cursor()).isZero(); // the cursor moves only when the snapshot ends

    transport.pulls.clear();
    transport.pullsAllowed = Integer.MAX_VALUE;
    ResyncResult result = b.resync();

    assertThat(transport.pulls).extracting(PullRequest::getCursor).containsExactly(6L, 9L);
    assertThat(transport.pulls).allSatisfy(pull -> assertThat(pull.getSnapshot()).isTrue());
    assertThat(result.records()).isEqualTo(10);
    assertThat(result.pages()).isEqualTo(2);
    assertThat(result.cursor()).isEqualTo(10);
    assertThat(count(b, "households")).isEqualTo(10);
    assertThat(b.status().cursor()).isEqualTo(10);
  }

  private static List<String> ids(FieldSyncClient client) throws Exception {
    List<String> ids = new ArrayList<>();
    try (var c = client.connection();
        var statement = c.createStatement();
        var rows = statement.executeQuery("SELECT id FROM households ORDER BY id")) {
      while (rows.next()) {
        ids.add(rows.getString(1));
      }
    }
    return ids;
  }
}
