package io.fieldsync.live;

import static io.fieldsync.live.LiveSchema.count;
import static io.fieldsync.live.LiveSchema.insertHousehold;
import static io.fieldsync.live.LiveSchema.uuid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.ResyncRequiredException;
import io.fieldsync.TransportException;
import io.fieldsync.client.ResyncResult;
import io.fieldsync.client.SyncListener;
import io.fieldsync.server.ServerConfig;
import io.fieldsync.testkit.FaultyTransport;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import io.fieldsync.wire.PullRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResyncTest {
  @TempDir Path dir;
  TestServer server;

  /** Starts the server; a purge removes the tombstones older than {@code horizonMillis}. */
  private void startServer(long horizonMillis) {
    server =
        TestServer.builder(dir)
            .schema(LiveSchema.YAML)
            .configure(
                config -> config.tombstoneHorizonMillis(horizonMillis).purgeIntervalMillis(0))
            .start();
  }

  @AfterEach
  void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void deviceBehindTheTombstoneHorizonResyncsAndKeepsItsUnsentEdits() throws Exception {
    startServer(0); // horizon 0: a purge removes every tombstone committed so far
    TestDevice a = server.device("a");
    TestDevice b = server.device("b");
    for (int n = 1; n <= 3; n++) {
      insertHousehold(a, n, "h" + n);
    }
    a.sync(); // seq 1..3
    b.sync(); // b at cursor 3
    a.sql("DELETE FROM households WHERE id = '" + uuid(1) + "'");
    a.sync(); // tombstone at seq 4
    insertHousehold(a, 4, "h4");
    a.sync(); // seq 5
    assertThat(server.server().purgeTombstones()).isEqualTo(1);
    assertThat(server.store().purgedThrough(TestServer.TENANT)).isEqualTo(4);

    assertThatThrownBy(
            () ->
                server
                    .http(0, server.token("b"))
                    .pull(PullRequest.newBuilder().setCursor(3).build()))
        .isInstanceOf(ResyncRequiredException.class)
        .hasMessage(
            "POST "
                + server.uri()
                + "/v1/pull returned 410: cursor 3 is older than the tombstone horizon: deletes"
                + " up to sequence 4 were purged; resync the device (take a snapshot)");

    // Offline edits on b, and a row written behind the library's back that the server never had.
    b.sql("UPDATE households SET head_name = 'edited on b' WHERE id = '" + uuid(2) + "'");
    insertHousehold(b, 5, "new on b");
    b.sql(
        "UPDATE _fs_state SET capture = 0",
        "INSERT INTO households (id, region) VALUES ('" + uuid(99) + "', 'ghost')",
        "UPDATE _fs_state SET capture = 1");
    List<String> reasons = new ArrayList<>();
    List<long[]> progress = new ArrayList<>();
    b.client()
        .addListener(
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

    b.sync();

    assertThat(reasons).singleElement().asString().contains("returned 410");
    assertThat(progress).isNotEmpty();
    assertThat(progress.get(progress.size() - 1)).containsExactly(4, 4, 1);
    assertThat(ids(b)).containsExactly(uuid(2), uuid(3), uuid(4), uuid(5));
    assertThat(b.value("SELECT head_name FROM households WHERE id = '" + uuid(2) + "'"))
        .isEqualTo("edited on b");
    assertThat(server.store().records(TestServer.TENANT, "households", List.of(uuid(2), uuid(5))))
        .hasEntrySatisfying(
            uuid(2),
            record -> assertThat(record.values()).containsEntry("head_name", "edited on b"))
        .containsKey(uuid(5));
    assertThat(b.client().status().cursor())
        .isEqualTo(server.store().currentSequence(TestServer.TENANT));
    assertThat(b.client().status().pending()).isZero();
    assertThat(b.value("SELECT count(*) FROM _fs_meta WHERE key LIKE 'snapshot_%'")).isEqualTo(0);
  }

  @Test
  void interruptedSnapshotResumesWhereItStoppedAndCompletes() throws Exception {
    startServer(ServerConfig.DEFAULT_TOMBSTONE_HORIZON_MILLIS);
    TestDevice a = server.device("a");
    for (int n = 1; n <= 10; n++) {
      insertHousehold(a, n, "h" + n);
    }
    a.sync(); // seq 1..10
    FaultyTransport transport =
        new FaultyTransport(server.http(0, server.token("b"))).cutPullsAfter(2);
    TestDevice b = server.device("b", builder -> builder.transport(transport).pullPageSize(3));

    assertThatThrownBy(b.client()::resync)
        .isInstanceOf(TransportException.class)
        .hasMessage("injected fault: pull 3 cut after 2");
    assertThat(transport.pullRequests())
        .as("the cut pull was the one from cursor 6")
        .extracting(PullRequest::getCursor)
        .containsExactly(0L, 3L, 6L);
    assertThat(count(b, "households")).isEqualTo(6);
    assertThat(b.value("SELECT value FROM _fs_meta WHERE key = 'snapshot_cursor'")).isEqualTo(6);
    assertThat(b.client().status().cursor())
        .isZero(); // the cursor moves only when the snapshot ends

    int pullsBefore = transport.pullRequests().size();
    transport.cutPullsAfter(Integer.MAX_VALUE);
    ResyncResult result = b.client().resync();

    assertThat(pullsAfter(transport, pullsBefore))
        .extracting(PullRequest::getCursor)
        .containsExactly(6L, 9L);
    assertThat(pullsAfter(transport, pullsBefore))
        .allSatisfy(pull -> assertThat(pull.getSnapshot()).isTrue());
    assertThat(result.records()).isEqualTo(10);
    assertThat(result.pages()).isEqualTo(2);
    assertThat(result.cursor()).isEqualTo(10);
    assertThat(count(b, "households")).isEqualTo(10);
    assertThat(b.client().status().cursor()).isEqualTo(10);
  }

  @Test
  void deviceAheadOfARestoredServerResyncsAndKeepsItsOutbox() throws Exception {
    // Regression: a cursor past the server's sequence was accepted, so the device skipped every
    // change up to it.
    startServer(ServerConfig.DEFAULT_TOMBSTONE_HORIZON_MILLIS);
    TestDevice a = server.device("a");
    TestDevice b = server.device("b");
    for (int n = 1; n <= 3; n++) {
      insertHousehold(a, n, "h" + n);
    }
    a.sync(); // seq 1..3
    b.sync();
    Path backup = server.backup(dir.resolve("backup.db"));
    insertHousehold(a, 4, "h4");
    insertHousehold(a, 5, "h5");
    a.sql("UPDATE households SET head_name = 'lost in the restore' WHERE id = '" + uuid(1) + "'");
    a.sync(); // seq 4..6
    b.sync();
    assertThat(b.client().status().cursor()).isEqualTo(6);

    server.restore(backup);
    assertThat(server.store().currentSequence(TestServer.TENANT)).isEqualTo(3);

    assertThatThrownBy(
            () ->
                server
                    .http(0, server.token("b"))
                    .pull(PullRequest.newBuilder().setCursor(6).build()))
        .isInstanceOf(ResyncRequiredException.class)
        .hasMessage(
            "POST "
                + server.uri()
                + "/v1/pull returned 410: cursor 6 is ahead of the server's sequence 3: the server"
                + " was restored from an older backup or the device synced with another server;"
                + " resync the device (take a snapshot)");

    // b's outbox: pushed to the restored server (seq 4..5, still behind b's cursor 6).
    b.sql("UPDATE households SET head_name = 'edited on b' WHERE id = '" + uuid(2) + "'");
    insertHousehold(b, 7, "new on b");
    List<String> reasons = new ArrayList<>();
    b.client()
        .addListener(
            new SyncListener() {
              @Override
              public void resyncStarted(String reason) {
                reasons.add(reason);
              }
            });

    b.sync();
    a.sync();

    assertThat(reasons)
        .singleElement()
        .asString()
        .contains("returned 410: cursor 6 is ahead of the server's sequence 5");
    assertThat(ids(b)).containsExactly(uuid(1), uuid(2), uuid(3), uuid(7));
    assertThat(ids(a)).isEqualTo(ids(b));
    assertThat(b.value("SELECT head_name FROM households WHERE id = '" + uuid(2) + "'"))
        .isEqualTo("edited on b");
    assertThat(a.value("SELECT head_name FROM households WHERE id = '" + uuid(2) + "'"))
        .isEqualTo("edited on b");
    assertThat(a.value("SELECT head_name FROM households WHERE id = '" + uuid(1) + "'"))
        .isEqualTo("h1");
    assertThat(server.store().records(TestServer.TENANT, "households", List.of(uuid(2), uuid(7))))
        .hasEntrySatisfying(
            uuid(2),
            record -> assertThat(record.values()).containsEntry("head_name", "edited on b"))
        .containsKey(uuid(7));
    assertThat(server.store().currentSequence(TestServer.TENANT)).isEqualTo(5);
    for (TestDevice device : List.of(a, b)) {
      assertThat(device.client().status().cursor()).isEqualTo(5);
      assertThat(device.client().status().pending()).isZero();
    }
  }

  @Test
  void snapshotInterruptedWhileTheServerWasRestoredStartsAgain() throws Exception {
    startServer(ServerConfig.DEFAULT_TOMBSTONE_HORIZON_MILLIS);
    TestDevice a = server.device("a");
    for (int n = 1; n <= 3; n++) {
      insertHousehold(a, n, "h" + n);
    }
    a.sync(); // seq 1..3
    Path backup = server.backup(dir.resolve("backup.db"));
    for (int n = 4; n <= 10; n++) {
      insertHousehold(a, n, "h" + n);
    }
    a.sync(); // seq 4..10
    FaultyTransport transport =
        new FaultyTransport(server.http(0, server.token("b"))).cutPullsAfter(2);
    TestDevice b = server.device("b", builder -> builder.transport(transport).pullPageSize(3));
    assertThatThrownBy(b.client()::resync).isInstanceOf(TransportException.class);
    assertThat(b.value("SELECT value FROM _fs_meta WHERE key = 'snapshot_cursor'")).isEqualTo(6);

    server.restore(backup);
    int pullsBefore = transport.pullRequests().size();
    transport.cutPullsAfter(Integer.MAX_VALUE);
    ResyncResult result = b.client().resync();

    assertThat(pullsAfter(transport, pullsBefore))
        .extracting(PullRequest::getCursor)
        .containsExactly(6L, 0L, 3L);
    assertThat(result.records()).isEqualTo(3);
    assertThat(result.cursor()).isEqualTo(3);
    assertThat(ids(b)).containsExactly(uuid(1), uuid(2), uuid(3));
    assertThat(b.client().status().cursor()).isEqualTo(3);
    assertThat(b.value("SELECT count(*) FROM _fs_meta WHERE key LIKE 'snapshot_%'")).isEqualTo(0);
  }

  /** The pull requests the transport saw after its first {@code before}. */
  private static List<PullRequest> pullsAfter(FaultyTransport transport, int before) {
    List<PullRequest> all = transport.pullRequests();
    return all.subList(before, all.size());
  }

  private static List<String> ids(TestDevice device) throws Exception {
    List<String> ids = new ArrayList<>();
    try (var c = device.client().connection();
        var statement = c.createStatement();
        var rows = statement.executeQuery("SELECT id FROM households ORDER BY id")) {
      while (rows.next()) {
        ids.add(rows.getString(1));
      }
    }
    return ids;
  }
}
