package io.fieldsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.SyncProgress;
import io.fieldsync.client.SyncProgress.Phase;
import io.fieldsync.testkit.TestServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code client sync} and {@code client init --sync} show the progress of a push of several batches
 * and a pull of several pages: plain lines when the output is not a terminal.
 */
class ClientProgressTest {
  private static final long SECOND = 1_000_000_000L;

  @TempDir Path dir;

  @Test
  void syncAndInitPrintProgressLinesWhenNotOnATerminal() throws Exception {
    // More than the library's first push batch (1,000) and its pull page (10,000).
    int records = 10_001;
    try (TestServer server = TestServer.start(dir)) {
      Path a = dir.resolve("a.db");
      CommandRun init =
          CommandRun.of(
              "client",
              "init",
              "--db",
              a.toString(),
              "--server",
              server.uri().toString(),
              "--token",
              server.token("a"));
      assertThat(init.exitCode()).as("%s", init).isZero();
      try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + a)) {
        connection.setAutoCommit(false);
        try (PreparedStatement insert =
            connection.prepareStatement(
                "INSERT INTO households (id, region, head_name) VALUES (?, 'north', 'h')")) {
          for (int n = 1; n <= records; n++) {
            insert.setString(1, String.format("00000000-0000-7000-8000-%012d", n));
            insert.addBatch();
          }
          insert.executeBatch();
        }
        connection.commit();
      }

      CommandRun sync =
          CommandRun.of("client", "sync", "--db", a.toString(), "--progress", "always");
      assertThat(sync.exitCode()).as("%s", sync).isZero();
      assertThat(sync.out())
          .matches(
              "push: 1000 of about 10001 records, [0-9.]+ KiB\\R"
                  // Batches of 1000, 2000, 4000 and the rest: a later batch's line shows only
                  // when it came more than a second after the last line.
                  + "(push: 3000 of about 10001 records, [0-9.]+ (KiB|MiB)\\R)?"
                  + "(push: 7000 of about 10001 records, [0-9.]+ (KiB|MiB)\\R)?"
                  + "push: 10001 records, [0-9.]+ (KiB|MiB), done\\R"
                  + "pushed 10001 \\(applied 10001, merged 0, rejected 0, parked 0\\), pulled 0,"
                  + " conflicts 0, cursor 10001, \\d+ ms\\R");

      Path b = dir.resolve("b.db");
      CommandRun first =
          CommandRun.of(
              "client",
              "init",
              "--db",
              b.toString(),
              "--server",
              server.uri().toString(),
              "--token",
              server.token("b"),
              "--sync",
              "--progress",
              "always");
      assertThat(first.exitCode()).as("%s", first).isZero();
      assertThat(first.out())
          .matches(
              "initialised .*\\R"
                  + "pull: 10000 of about 10001 records, [0-9.]+ (KiB|MiB)\\R"
                  + "pull: 10001 records, [0-9.]+ (KiB|MiB), done\\R"
                  + "pushed 0 \\(applied 0, merged 0, rejected 0, parked 0\\), pulled 10001,"
                  + " conflicts 0, cursor 10001, \\d+ ms\\R");
    }
  }

  @Test
  void progressShowsOnlyOnceTheSyncTookMoreThanASecondAndLinesComeAtMostOnceASecond() {
    AtomicLong now = new AtomicLong();
    StringWriter text = new StringWriter();
    ProgressPrinter printer =
        new ProgressPrinter(new PrintWriter(text, true), false, SECOND, now::get);

    now.set(SECOND / 2);
    printer.syncProgress(new SyncProgress(Phase.PULL, 100, 1000, 2048, false));
    assertThat(text.toString()).isEmpty();

    now.set(SECOND + 1);
    printer.syncProgress(new SyncProgress(Phase.PULL, 200, 1000, 4096, false));
    now.set(SECOND + SECOND / 2);
    printer.syncProgress(new SyncProgress(Phase.PULL, 300, 1000, 6144, false));
    now.set(2 * SECOND + 1);
    printer.syncProgress(new SyncProgress(Phase.PULL, 400, 1000, 8192, false));
    printer.syncProgress(new SyncProgress(Phase.PULL, 500, 500, 10240, true));

    assertThat(text.toString())
        .isEqualTo(
            "pull: 200 of about 1000 records, 4.0 KiB\n"
                + "pull: 400 of about 1000 records, 8.0 KiB\n"
                + "pull: 500 records, 10.0 KiB, done\n");
  }

  @Test
  void onATerminalTheBarIsRedrawnInPlace() {
    StringWriter text = new StringWriter();
    ProgressPrinter printer = new ProgressPrinter(new PrintWriter(text, true), true, 0, () -> 0L);
    printer.syncProgress(new SyncProgress(Phase.PUSH, 1000, 4000, 512, false));
    printer.syncProgress(new SyncProgress(Phase.PUSH, 4000, 4000, 2 * 1024 * 1024, true));

    assertThat(text.toString())
        .isEqualTo(
            "\rpush     [#######.......................]  25% 1000/4000 records, 512 B"
                + "\rpush     [##############################] 100% 4000/4000 records, 2.0 MiB done\n");
  }
}
