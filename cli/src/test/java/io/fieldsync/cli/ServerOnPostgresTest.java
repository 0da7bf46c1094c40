package io.fieldsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.store.postgres.testing.PostgresDatabaseExtension;
import io.fieldsync.store.postgres.testing.TestDatabase;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fieldsync server --db postgresql://…} as a real process (the {@link FieldSyncCommand}
 * main, twice: two nodes on one database), driven with {@code fieldsync token create}, {@code
 * client init} and {@code client sync --server URL}: a device moves between the nodes and its
 * cursor stays valid.
 */
@ExtendWith(PostgresDatabaseExtension.class)
class ServerOnPostgresTest {
  private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)");
  private static final String H1 = "0190f3a4-0000-7000-8000-000000000001";
  private static final String H2 = "0190f3a4-0000-7000-8000-000000000002";

  @TempDir Path dir;
  private final List<Process> servers = new ArrayList<>();

  @AfterEach
  void stopServers() throws Exception {
    for (Process server : servers) {
      server.destroy();
      if (!server.waitFor(15, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }

  @Test
  void twoServerProcessesOnOneDatabaseServeADeviceThatMovesBetweenThem(TestDatabase database)
      throws Exception {
    Path schema = dir.resolve("schema.yaml");
    Files.writeString(
        schema,
        """
        version: 1
        tables:
          households:
            columns:
              id:     { type: uuid, primary_key: true }
              region: { type: text, required: true }
              visits: { type: integer, conflict: sum }
        """);
    Path secret = dir.resolve("fieldsync.secret");
    String nodeA = startServer(database.location(), schema, secret);
    String nodeB = startServer(database.location(), schema, secret);
    assertThat(nodeA).isNotEqualTo(nodeB);

    String phoneToken =
        run(
                "token",
                "create",
                "--tenant",
                "acme",
                "--device",
                "phone",
                "--secret-file",
                secret.toString())
            .strip();
    String tabletToken =
        run(
                "token",
                "create",
                "--tenant",
                "acme",
                "--device",
                "tablet",
                "--secret-file",
                secret.toString())
            .strip();
    Path phone = dir.resolve("phone.db");
    Path tablet = dir.resolve("tablet.db");
    assertThat(
            run(
                "client",
                "init",
                "--db",
                phone.toString(),
                "--server",
                nodeA,
                "--token",
                phoneToken))
        .startsWith("initialised " + phone + ": device phone, tenant acme, schema v1");
    assertThat(
            run(
                "client",
                "init",
                "--db",
                tablet.toString(),
                "--server",
                nodeA,
                "--token",
                tabletToken))
        .contains("device tablet");

    device(phone, "INSERT INTO households (id, region, visits) VALUES ('" + H1 + "', 'north', 2)");
    // The phone's own insert is not pulled back (echo suppression).
    assertThat(run("client", "sync", "--db", phone.toString()))
        .startsWith(
            "pushed 1 (applied 1, merged 0, rejected 0, parked 0), pulled 0, conflicts 0, cursor 1,");
    // The tablet was initialized on node A and syncs through node B.
    assertThat(run("client", "sync", "--db", tablet.toString(), "--server", nodeB))
        .startsWith(
            "pushed 0 (applied 0, merged 0, rejected 0, parked 0), pulled 1, conflicts 0, cursor 1,");
    device(tablet, "UPDATE households SET visits = visits + 3 WHERE id = '" + H1 + "'");
    device(tablet, "INSERT INTO households (id, region, visits) VALUES ('" + H2 + "', 'south', 0)");
    assertThat(run("client", "sync", "--db", tablet.toString(), "--server", nodeB))
        .startsWith(
            "pushed 2 (applied 2, merged 0, rejected 0, parked 0), pulled 0, conflicts 0, cursor 3,");
    // The phone's cursor came from node A; through node B it receives exactly the two changes.
    assertThat(run("client", "sync", "--db", phone.toString(), "--server", nodeB))
        .startsWith(
            "pushed 0 (applied 0, merged 0, rejected 0, parked 0), pulled 2, conflicts 0, cursor 3,");
    assertThat(deviceQuery(phone, "SELECT sum(visits) || '/' || count(*) FROM households"))
        .isEqualTo("5/2");

    // The data is in a typed PostgreSQL table any SQL tool can read.
    try (Connection db = database.connect();
        Statement statement = db.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT sum(visits), count(*), (SELECT pg_typeof(id)::text FROM households LIMIT 1) FROM households WHERE _tenant = 'acme'")) {
      rows.next();
      assertThat(rows.getLong(1)).isEqualTo(5);
      assertThat(rows.getLong(2)).isEqualTo(2);
      assertThat(rows.getString(3)).isEqualTo("uuid");
    }
  }

  /** Starts {@code fieldsync server} in a JVM of its own and returns the URL it logs. */
  private String startServer(String db, Path schema, Path secret) throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            FieldSyncCommand.class.getName(),
            "server",
            "--db",
            db,
            "--schema",
            schema.toString(),
            "--secret-file",
            secret.toString(),
            "--port",
            "0",
            "--pool-size",
            "3");
    builder.redirectErrorStream(true);
    builder.environment().remove(Secrets.SECRET_ENV);
    Process process = builder.start();
    servers.add(process);
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    StringBuilder log = new StringBuilder();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  lines.add(line);
                }
              } catch (java.io.IOException ignored) {
                // the process ended
              }
            });
    reader.setDaemon(true);
    reader.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      String line = lines.poll(1, TimeUnit.SECONDS);
      if (line != null) {
        log.append(line).append('\n');
        Matcher matcher = LISTENING.matcher(line);
        if (matcher.find()) {
          return matcher.group(1);
        }
      } else if (!process.isAlive()) {
        break;
      }
    }
    throw new AssertionError("fieldsync server did not start within 60 s; its output:\n" + log);
  }

  /** Runs a fieldsync command in this JVM and returns what it printed; it must exit 0. */
  private static String run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        FieldSyncCommand.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    assertThat(code)
        .as("exit code of fieldsync %s; stderr: %s", String.join(" ", args), err)
        .isZero();
    return out.toString();
  }

  private static void device(Path db, String sql) throws Exception {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement statement = connection.createStatement()) {
      statement.executeUpdate(sql);
    }
  }

  private static String deviceQuery(Path db, String sql) throws Exception {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getString(1);
    }
  }
}
