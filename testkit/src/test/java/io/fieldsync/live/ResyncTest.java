package io.fieldsync.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.TransportException;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.ResyncRequiredException;
import io.fieldsync.client.ResyncResult;
import io.fieldsync.client.SyncListener;
import io.fieldsync.client.transport.HttpTransport;
import io.fieldsync.server.ServerConfig;
import io.fieldsync.wire.PullRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
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

  @Test
  void deviceAheadOfARestoredServerResyncsAndKeepsItsOutbox() throws Exception {
    // Regression: a cursor past the server's sequence was accepted, so the device skipped every
    // change up to it.
    startServer();
    int port = server.port();
    FieldSyncClient a = device("a");
    FieldSyncClient b = device("b");
    for (int n = 1; n <= 3; n++) {
      insertHousehold(a, n, "h" + n);
    }
    a.syncNow(); // seq 1..3
    b.syncNow();
    Path backup = backup();
    insertHousehold(a, 4, "h4");
    insertHousehold(a, 5, "h5");
    sql(a, "UPDATE households SET head_name = 'lost in the restore' WHERE id = '" + uuid(1) + "'");
    a.syncNow(); // seq 4..6
    b.syncNow();
    assertThat(b.status().cursor()).isEqualTo(6);

    restore(backup, port);
    assertThat(store.currentSequence(TENANT)).isEqualTo(3);

    assertThatThrownBy(
            () ->
                new HttpTransport(server.uri(), token("b"))
                    .pull(PullRequest.newBuilder().setCursor(6).build()))
        .isInstanceOf(ResyncRequiredException.class)
        .hasMessage(
            "POST "
                + server.uri()
                + "/v1/pull returned 410: cursor 6 is ahead of the server's sequence 3: the server"
                + " was restored from an older backup or the device synced with another server;"
                + " resync the device (take a snapshot)");

    // b's outbox: pushed to the restored server (seq 4..5, still behind b's cursor 6).
    sql(b, "UPDATE households SET head_name = 'edited on b' WHERE id = '" + uuid(2) + "'");
    insertHousehold(b, 7, "new on b");
    List<String> reasons = new ArrayList<>();
    b.addListener(
        new SyncListener() {
          @Override
          public void resyncStarted(String reason) {
            reasons.add(reason);
          }
        });

    b.syncNow();
    a.syncNow();

    assertThat(reasons)
        .singleElement()
        .asString()
        .contains("returned 410: cursor 6 is ahead of the server's sequence 5");
    assertThat(ids(b)).containsExactly(uuid(1), uuid(2), uuid(3), uuid(7));
    assertThat(ids(a)).isEqualTo(ids(b));
    assertThat(scalar(b, "SELECT head_name FROM households WHERE id = '" + uuid(2) + "'"))
        .isEqualTo("edited on b");
    assertThat(scalar(a, "SELECT head_name FROM households WHERE id = '" + uuid(2) + "'"))
        .isEqualTo("edited on b");
    assertThat(scalar(a, "SELECT head_name FROM households WHERE id = '" + uuid(1) + "'"))
        .isEqualTo("h1");
    assertThat(store.records(TENANT, "households", List.of(uuid(2), uuid(7))))
        .hasEntrySatisfying(
            uuid(2),
            record -> assertThat(record.values()).containsEntry("head_name", "edited on b"))
        .containsKey(uuid(7));
    assertThat(store.currentSequence(TENANT)).isEqualTo(5);
    for (FieldSyncClient device : List.of(a, b)) {
      assertThat(device.status().cursor()).isEqualTo(5);
      assertThat(device.status().pending()).isZero();
    }
  }

  @Test
  void snapshotInterruptedWhileTheServerWasRestoredStartsAgain() throws Exception {
    startServer();
    int port = server.port();
    FieldSyncClient a = device("a");
    for (int n = 1; n <= 3; n++) {
      insertHousehold(a, n, "h" + n);
    }
    a.syncNow(); // seq 1..3
    Path backup = backup();
    for (int n = 4; n <= 10; n++) {
      insertHousehold(a, n, "h" + n);
    }
    a.syncNow(); // seq 4..10
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
    assertThatThrownBy(b::resync).isInstanceOf(TransportException.class);
    assertThat(scalar(b, "SELECT value FROM _fs_meta WHERE key = 'snapshot_cursor'")).isEqualTo(6);

    restore(backup, port);
    transport.pulls.clear();
    transport.pullsAllowed = Integer.MAX_VALUE;
    ResyncResult result = b.resync();

    assertThat(transport.pulls).extracting(PullRequest::getCursor).containsExactly(6L, 0L, 3L);
    assertThat(result.records()).isEqualTo(3);
    assertThat(result.cursor()).isEqualTo(3);
    assertThat(ids(b)).containsExactly(uuid(1), uuid(2), uuid(3));
    assertThat(b.status().cursor()).isEqualTo(3);
    assertThat(scalar(b, "SELECT count(*) FROM _fs_meta WHERE key LIKE 'snapshot_%'")).isEqualTo(0);
  }

  /** A consistent copy of the server's database file, as a backup tool would take it. */
  private Path backup() throws SQLException {
    Path backup = dir.resolve("backup.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("server.db"));
        Statement statement = c.createStatement()) {
      statement.execute("VACUUM INTO '" + backup + "'");
    }
    return backup;
  }

  /** Stops the server, puts the backup in place of its database and starts it on the same port. */
  private void restore(Path backup, int port) throws Exception {
    server.close();
    store.close();
    for (String suffix : List.of("", "-wal", "-shm")) {
      Files.deleteIfExists(dir.resolve("server.db" + suffix));
    }
    Files.copy(backup, dir.resolve("server.db"));
    store = null;
    startServer(port, SECRET, ServerConfig.DEFAULT_TOMBSTONE_HORIZON_MILLIS);
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
