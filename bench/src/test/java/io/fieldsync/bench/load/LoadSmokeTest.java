package io.fieldsync.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sustained-load run at a small size (50 devices, 3 nodes on an embedded PostgreSQL, 20 s of
 * writes through the faulty network), so that the command keeps working: it passes only when every
 * replica and the server equal the run's model, no sequence has a gap and no device met an error
 * the network did not cause. It never judges speed, and its growth bounds are loose (a 20 s run is
 * too short to tell growth from noise; {@link GrowthTest} checks the bound itself).
 */
class LoadSmokeTest {
  @Test
  void fiftyDevicesOnThreeNodesConvergeThroughAFaultyNetwork(@TempDir Path dir) throws Exception {
    LoadOptions options =
        new LoadOptions(
            50,
            5,
            3,
            Duration.ofSeconds(20),
            25,
            5,
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofSeconds(1),
            0.2,
            Duration.ofMillis(50),
            0.05,
            Duration.ofSeconds(2),
            200,
            200,
            4,
            256,
            16,
            7,
            dir.resolve("out"),
            "LoadSmokeTest");
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    LoadReport report;
    try {
      report = new LoadRun(options, new PrintStream(output, true, StandardCharsets.UTF_8)).run();
    } finally {
      System.out.print(output.toString(StandardCharsets.UTF_8));
    }

    assertThat(report.failures()).isEmpty();
    assertThat(report.latency(LoadReport.LIGHT_SYNC).count()).isPositive();
    assertThat(report.latency(LoadReport.DEVICE_SYNC).count()).isPositive();
    assertThat(report.faults().values().stream().mapToLong(Long::longValue).sum()).isPositive();
    assertThat(report.errors()).containsKey("live channel: cut by the network (injected)");
    assertThat(report.samples()).hasSizeGreaterThanOrEqualTo(3);
    assertThat(report.samples())
        .allSatisfy(
            sample -> {
              assertThat(sample.heapAfterGc()).isPositive();
              assertThat(sample.threads()).isPositive();
              assertThat(sample.connections()).isPositive();
            });
    try (var files = Files.list(dir.resolve("out"))) {
      assertThat(files.map(path -> path.getFileName().toString()).toList())
          .anyMatch(name -> name.endsWith("-samples.csv"))
          .anyMatch(name -> name.startsWith("load-") && name.endsWith(".md"));
    }
    assertThat(output.toString(StandardCharsets.UTF_8))
        .contains("**Passed**")
        .containsPattern("Convergence: the model's [0-9,]+ rows in 2 tenants compared")
        .contains("with each of the 50 devices");
    assertThat(report.convergedRows()).as("rows beyond the 10 seeded households").isGreaterThan(10);
  }
}
