package io.fieldsync.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.testkit.Replicas;
import io.fieldsync.testkit.TestServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fieldsync token create} and {@code client init|sync|status} against a real server. */
class ClientCommandTest {
  @TempDir Path dir;
  TestServer server;

  @BeforeEach
  void start() {
    server = TestServer.start(dir);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private String mintToken(String device) {
    CommandRun run =
        CommandRun.of(
            "token",
            "create",
            "--tenant",
            TestServer.TENANT,
            "--device",
            device,
            "--ttl",
            "1h",
            "--secret-file",
            server.secretFile().toString());
    assertThat(run.exitCode()).as("%s", run).isZero();
    assertThat(run.out()).matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\R");
    return run.out().strip();
  }

  @Test
  void serverRefusesADeviceDatabaseAtStart() throws Exception {
    // Regression: the server adopted the device file and every push failed with a 503.
    Path db = dir.resolve("sync.db");
    CommandRun init =
        CommandRun.of(
            "client",
            "init",
            "--db",
            db.toString(),
            "--server",
            server.uri().toString(),
            "--token",
            mintToken("tablet"));
    assertThat(init.exitCode()).as("%s", init).isZero();

    CommandRun run =
        CommandRun.of(
            "server",
            "--db",
            db.toString(),
            "--schema",
            TestServer.exampleSchemaFile().toString(),
            "--port",
            "0",
            "--secret-file",
            server.secretFile().toString());

    assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
    assertThat(run.err())
        .isEqualTo(
            "fieldsync: "
                + db
                + " is a fieldsync device database (it has _fs_state), not a server store; give"
                + " the server a database of its own\n");
  }

  @Test
  void tokenCreateThenClientInitSyncAndStatus() throws Exception {
    Path db = dir.resolve("cli-device.db");
    String token = mintToken("cli-device");

    CommandRun init =
        CommandRun.of(
            "client",
            "init",
            "--db",
            db.toString(),
            "--server",
            server.uri().toString(),
            "--token",
            token);
    assertThat(init.exitCode()).as("%s", init).isZero();
    assertThat(init.out())
        .isEqualTo(
            "initialised "
                + db
                + ": device cli-device, tenant acme, schema v1, tables [households, visits,"
                + " measurements]\n");

    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement sql = connection.createStatement()) {
      sql.executeUpdate(
          "INSERT INTO households (id, region, head_name, visit_count, tags) VALUES"
              + " ('0190f3a4-0000-7000-8000-000000000001', 'north', 'Fatou', 0, '[]')");
    }
    CommandRun pending = CommandRun.of("client", "status", "--db", db.toString());
    assertThat(pending.exitCode()).as("%s", pending).isZero();
    assertThat(pending.out())
        .contains("device      cli-device\n")
        .contains("tenant      acme\n")
        .contains("cursor      0\n")
        .contains("pending     1\n")
        .contains("last sync   never\n");

    CommandRun sync = CommandRun.of("client", "sync", "--db", db.toString());
    assertThat(sync.exitCode()).as("%s", sync).isZero();
    // The device's own insert is not pulled back (echo suppression): pulled 0, cursor past it.
    assertThat(sync.out())
        .matches(
            "pushed 1 \\(applied 1, merged 0, rejected 0, parked 0\\), pulled 0, conflicts 0,"
                + " cursor 1, \\d+ ms\\R");

    CommandRun status = CommandRun.of("client", "status", "--db", db.toString());
    assertThat(status.exitCode()).as("%s", status).isZero();
    assertThat(status.out())
        .contains("cursor      1\n")
        .contains("pending     0\n")
        .contains("rejected    0\n")
        .doesNotContain("last sync   never");
    assertThat(Replicas.device(db, server.schema()).toString())
        .isEqualTo(Replicas.server(server.store(), TestServer.TENANT, server.schema()).toString());
  }

  @Test
  void statusReadsTheDeviceAloneWithoutContactingTheServer() throws Exception {
    Path db = dir.resolve("offline-status.db");
    CommandRun init =
        CommandRun.of(
            "client",
            "init",
            "--db",
            db.toString(),
            "--server",
            server.uri().toString(),
            "--token",
            mintToken("offline-status"));
    assertThat(init.exitCode()).as("%s", init).isZero();
    int port = server.uri().getPort();
    server.close();
    server = null;

    try (ServerSocket listener = new ServerSocket()) {
      listener.setReuseAddress(true);
      listener.bind(new InetSocketAddress("127.0.0.1", port));
      listener.setSoTimeout(200);
      Set<String> clientsBefore = httpClientThreads();

      CommandRun status = CommandRun.of("client", "status", "--db", db.toString());

      assertThat(status.exitCode()).as("%s", status).isZero();
      assertThat(status.out()).contains("device      offline-status\n").contains("pending     0\n");
      // Sending a request starts the transport's and OkHttp's threads; status sends none.
      assertThat(httpClientThreads()).isSubsetOf(clientsBefore);
      assertThatThrownBy(listener::accept).isInstanceOf(SocketTimeoutException.class);
    }
  }

  private static Set<String> httpClientThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .map(Thread::getName)
        .filter(name -> name.equals("fieldsync-http") || name.startsWith("OkHttp"))
        .collect(Collectors.toSet());
  }

  @Test
  void badUsageExitsWithTwoAndSaysWhatIsMissing() {
    CommandRun run = CommandRun.of("client", "sync");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).startsWith("Missing required option: '--db=<db>'");
  }

  @Test
  void anUnreachableServerExitsWithOneAndAClearMessage() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    String url = "http://127.0.0.1:" + port;
    CommandRun run =
        CommandRun.of(
            "client",
            "init",
            "--db",
            dir.resolve("offline.db").toString(),
            "--server",
            url,
            "--token",
            mintToken("offline"));

    assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err())
        .isEqualTo("fieldsync: GET " + url + "/v1/schema failed: connection refused\n");
  }
}
