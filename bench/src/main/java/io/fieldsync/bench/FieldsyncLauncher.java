package io.fieldsync.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The command a person types: {@code bin/fieldsync} of a fieldsync checkout, each call a new
 * process, timed from before the process starts until it has exited (JVM start included).
 */
final class FieldsyncLauncher {
  /** Where {@code bin/fieldsync} runs the product from. */
  static final String PRODUCT_JAR = "cli/target/fieldsync.jar";

  /** The system property naming the checkout when no option does. */
  static final String HOME_PROPERTY = "fieldsync.home";

  private static final Pattern SYNCED = Pattern.compile("pushed (\\d+) .*, pulled (\\d+),");

  private final Path home;
  private final Path launcher;
  private final Path output;

  /** One finished call: its wall time and what it printed (standard output and error). */
  record Run(double wallMillis, String output) {}

  /** The counts a {@code client sync} printed. */
  record Synced(double wallMillis, int pushed, int pulled) {}

  private FieldsyncLauncher(Path home, Path output) {
    this.home = home;
    this.launcher = home.resolve("bin").resolve("fieldsync");
    this.output = output;
  }

  /**
   * The checkout at {@code configured}, else at the {@value #HOME_PROPERTY} system property, else
   * the first of the working directory and its parents that holds {@code bin/fieldsync}; output of
   * the calls goes to a file in {@code scratch}.
   *
   * @throws IllegalArgumentException when no checkout is found, or it has no launcher or no product
   *     jar
   */
  static FieldsyncLauncher locate(Path configured, Path workingDirectory, Path scratch)
      throws IOException {
    Path home = configured;
    if (home == null && System.getProperty(HOME_PROPERTY) != null) {
      home = Path.of(System.getProperty(HOME_PROPERTY));
    }
    if (home == null) {
      for (Path dir = workingDirectory.toAbsolutePath(); dir != null; dir = dir.getParent()) {
        if (Files.exists(dir.resolve("bin").resolve("fieldsync"))) {
          home = dir;
          break;
        }
      }
      if (home == null) {
        throw new IllegalArgumentException(
            "the device scenario times `bin/fieldsync client sync` in new processes, and neither "
                + workingDirectory.toAbsolutePath()
                + " nor its parents hold bin/fieldsync; run from the fieldsync checkout, name it"
                + " with --fieldsync-home DIR (or -D"
                + HOME_PROPERTY
                + "=DIR), or leave the commands out with --no-device-commands");
      }
    }
    home = home.toAbsolutePath().normalize();
    Path launcher = home.resolve("bin").resolve("fieldsync");
    if (!Files.isExecutable(launcher)) {
      throw new IllegalArgumentException(
          "the device scenario times `bin/fieldsync client sync` and "
              + launcher
              + " is missing or not executable; name the fieldsync checkout with --fieldsync-home"
              + " DIR, or leave the commands out with --no-device-commands");
    }
    Path jar = home.resolve(PRODUCT_JAR);
    if (!Files.isRegularFile(jar)) {
      throw new IllegalArgumentException(
          "the device scenario times `bin/fieldsync client sync` and there is no product jar at "
              + jar
              + " (the launcher would build it inside the timed command); build it first with"
              + " `./mvnw -B -q package -DskipTests -pl cli -am` in "
              + home);
    }
    Files.createDirectories(scratch);
    return new FieldsyncLauncher(home, scratch.resolve("fieldsync-command.out"));
  }

  Path home() {
    return home;
  }

  /** {@code bin/fieldsync ARGS} in a new process; throws with its output when it fails. */
  Run run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(launcher.toString());
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(home.toFile())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile());
    long started = System.nanoTime();
    Process process = builder.start();
    boolean exited = process.waitFor(1, TimeUnit.HOURS);
    double millis = (System.nanoTime() - started) / 1e6;
    String printed = Files.readString(output, StandardCharsets.UTF_8);
    if (!exited) {
      process.destroyForcibly();
      throw new IllegalStateException(
          "`bin/fieldsync " + String.join(" ", args) + "` did not finish in an hour: " + printed);
    }
    if (process.exitValue() != 0) {
      throw new IllegalStateException(
          "`bin/fieldsync "
              + String.join(" ", args)
              + "` exited with "
              + process.exitValue()
              + ": "
              + printed.strip());
    }
    return new Run(millis, printed);
  }

  /** {@code bin/fieldsync client sync --db FILE}, with the counts it printed. */
  Synced sync(Path database) throws IOException, InterruptedException {
    Run run = run("client", "sync", "--db", database.toString());
    Matcher counts = SYNCED.matcher(run.output());
    if (!counts.find()) {
      throw new IllegalStateException(
          "`bin/fieldsync client sync --db "
              + database
              + "` printed no 'pushed N ..., pulled M,' line: "
              + run.output().strip());
    }
    return new Synced(
        run.wallMillis(), Integer.parseInt(counts.group(1)), Integer.parseInt(counts.group(2)));
  }
}
