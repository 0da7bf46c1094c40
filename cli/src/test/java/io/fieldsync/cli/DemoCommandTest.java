package io.fieldsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {
  @TempDir Path dir;

  @Test
  void theDemoConvergesAndSaysSo() {
    CommandRun run = CommandRun.of("demo", "--dir", dir.toString());

    assertThat(run.exitCode()).as("%s", run).isZero();
    assertThat(run.out())
        .contains("fieldsync demo — " + dir)
        .contains("3. They reconnect one by one")
        .contains("rejected households")
        .contains("visit_count  5   (sum: 2 + three offline visits)")
        .contains("household 3  deleted (delete_wins)")
        .contains("notes now    roof still leaking")
        .contains("✔ every replica is identical: 3 devices and the server hold the same 4 rows")
        .doesNotContain("replicas differ");
    assertThat(run.err()).doesNotContain("Exception");
    assertThat(dir.resolve("server.db")).isRegularFile();
    assertThat(dir.resolve("tablet-amina.db")).isRegularFile();
  }
}
