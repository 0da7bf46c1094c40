package io.fieldsync.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceScenarioTest {

  @Test
  void aCheckoutWithoutTheLauncherIsRefusedWithTheWayOut(@TempDir Path dir) {
    assertThatThrownBy(() -> FieldsyncLauncher.locate(dir, dir, dir.resolve("scratch")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "the device scenario times `bin/fieldsync client sync` and "
                + dir.resolve("bin/fieldsync")
                + " is missing or not executable; name the fieldsync checkout with"
                + " --fieldsync-home DIR, or leave the commands out with --no-device-commands");
  }

  @Test
  void aCheckoutWithoutTheProductJarIsRefusedWithTheBuildCommand(@TempDir Path dir)
      throws Exception {
    Path launcher = Files.createDirectories(dir.resolve("bin")).resolve("fieldsync");
    Files.writeString(launcher, "#!/bin/sh\n");
    Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path nested = Files.createDirectories(dir.resolve("docs/deeper"));

    assertThatThrownBy(() -> FieldsyncLauncher.locate(null, nested, dir.resolve("scratch")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "the device scenario times `bin/fieldsync client sync` and there is no product jar at "
                + dir.resolve("cli/target/fieldsync.jar")
                + " (the launcher would build it inside the timed command); build it first with"
                + " `./mvnw -B -q package -DskipTests -pl cli -am` in "
                + dir);
  }

  @Test
  void theDeviceScenarioWithCommandsFailsBeforeMeasuringWhenNoCheckoutIsFound(@TempDir Path dir) {
    BenchOptions options =
        new BenchOptions(
            true,
            List.of(100L),
            List.of(1),
            1,
            dir.resolve("out"),
            3,
            List.of("sqlite"),
            null,
            10,
            10,
            10,
            1,
            null,
            false,
            Set.of("device"),
            dir.resolve("no-checkout-here"),
            true,
            "fieldsync bench (device test)");
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    Workload workload =
        new Workload(
            options, new PrintStream(log, true, StandardCharsets.UTF_8), Clock.systemUTC());

    assertThatThrownBy(workload::run)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no-checkout-here/bin/fieldsync is missing or not executable");
    assertThat(log.toString(StandardCharsets.UTF_8)).doesNotContain("records");
  }

  @Test
  void theCheckNamesARowThatDiffersFromWhatWasWritten(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("device.db");
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement ddl = connection.createStatement()) {
      ddl.execute(
          "CREATE TABLE households (id TEXT PRIMARY KEY, region TEXT, head_name TEXT, members"
              + " INTEGER, visit_count INTEGER, tags TEXT, latitude REAL, longitude REAL, notes"
              + " TEXT, registered_at TEXT)");
      ddl.execute(
          "CREATE TABLE visits (id TEXT PRIMARY KEY, household_id TEXT, visited_at TEXT, visitor"
              + " TEXT, participants TEXT, summary TEXT, follow_up INTEGER)");
      ddl.execute(
          "CREATE TABLE measurements (id TEXT PRIMARY KEY, visit_id TEXT, kind TEXT, value REAL,"
              + " max_value REAL, unit TEXT, taken_at TEXT)");
    }
    Dataset data = new Dataset(5);
    DeviceRecords written = new DeviceRecords(data, 30, 4, 9);
    written.insert(file);
    written.edit(file);
    written.check(file, "device A");

    Dataset.Row visit = data.block(2).get(1);
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement update = connection.createStatement()) {
      update.execute("UPDATE visits SET visitor = 'someone else' WHERE id = '" + visit.id() + "'");
    }

    assertThatThrownBy(() -> written.check(file, "device B"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "device B does not hold exactly the rows the device scenario wrote on device A: visits"
                + " has 9 rows, expected 9; 0 expected rows missing; first differences: visits "
                + visit.id()
                + " visitor = someone else, expected "
                + visit.values().get("visitor"));
  }
}
