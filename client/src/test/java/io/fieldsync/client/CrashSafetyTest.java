package io.fieldsync.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CrashSafetyTest extends ClientFixture {

  static void fivePages(FakeServer server) {
    server.page(
        5,
        false,
        FakeServer.record("households", H1, 1, "region", "n", 1L),
        FakeServer.record("households", H2, 2, "region", "s", 1L),
        FakeServer.record("visits", "v1", 3, "household_id", H1, 1L),
        FakeServer.record("visits", "v2", 4, "household_id", H1, 1L),
        FakeServer.record("visits", "v3", 5, "household_id", H2, 1L));
  }

  @Test
  void aProcessKilledWhileApplyingAPulledPageReopensConsistent() throws Exception {
    init();
    sql("INSERT INTO households (id, region) VALUES ('local', 'x')");
    client.close();
    client = null;
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child =
        new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                HaltDuringPullMain.class.getName(),
                db().toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("child.log").toFile())
            .start();
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue())
        .as("child exit (log in %s)", dir.resolve("child.log"))
        .isEqualTo(77);

    client = builder().open();
    // The local insert was pushed before the pull started; the page never committed.
    assertThat(scalar("SELECT count(*) FROM households")).isEqualTo(1L);
    assertThat(scalar("SELECT count(*) FROM visits")).isEqualTo(0L);
    assertThat(scalar("SELECT cursor FROM _fs_state")).isEqualTo(0L);
    assertThat(scalar("SELECT capture FROM _fs_state")).isEqualTo(1L);
    assertThat(log()).isEmpty();

    fivePages(server);
    client.syncNow();

    assertThat(scalar("SELECT count(*) FROM households")).isEqualTo(3L);
    assertThat(scalar("SELECT count(*) FROM visits")).isEqualTo(3L);
    assertThat(scalar("SELECT cursor FROM _fs_state")).isEqualTo(5L);
    assertThat(log()).isEmpty();
  }
}
