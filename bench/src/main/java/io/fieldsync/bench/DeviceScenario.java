package io.fieldsync.bench;

import io.fieldsync.client.DeviceKey;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.SyncResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.DoublePredicate;

/**
 * The real device path end to end. Device A is a device database; its new records are written by
 * plain SQL in one transaction through a JDBC connection of its own (the capture triggers record
 * them) and pushed by a sync; a fresh device B pulls them; one-field edits go from A to B; then
 * both sync with nothing to do. At the end A and B must hold exactly the rows written.
 *
 * <p>Every step is measured twice, each time on a new pair of devices in a tenant of its own: in a
 * warm library ({@code syncNow()} in this JVM, after a warm-up round on other databases), and as
 * the command a person types ({@code bin/fieldsync client sync --db FILE}, a new process, wall time
 * including JVM start), with the wall time of {@code bin/fieldsync client status} beside it.
 */
final class DeviceScenario {
  /** Records of the warm-up round (fewer when the data set is smaller). */
  static final long WARM_UP_RECORDS = 10_000;

  /** The largest data set {@code --quick} runs the scenario at (it runs only the smallest). */
  static final long QUICK_MAX_RECORDS = 100_000;

  private final BenchOptions options;
  private final Results results;
  private final PrintStream log;
  private final FieldsyncLauncher launcher;

  /**
   * @param launcher runs {@code bin/fieldsync}; null when the options leave the commands out, or
   *     for the library rounds alone ({@link EncryptedScenario})
   */
  DeviceScenario(
      BenchOptions options, Results results, PrintStream log, FieldsyncLauncher launcher) {
    this.options = options;
    this.results = results;
    this.log = log;
    this.launcher = launcher;
  }

  void run(BenchServer server, String store, long records, int repeat) throws Exception {
    long smallest = options.records().stream().mapToLong(Long::longValue).min().orElseThrow();
    if (options.quick() && (records != smallest || records > QUICK_MAX_RECORDS)) {
      results.note(
          "With --quick the device scenario runs at the smallest data set only, and never over "
              + QUICK_MAX_RECORDS
              + " records.");
      log.printf("  device: skipped at %,d records with --quick%n", records);
      return;
    }
    Dataset data = new Dataset(options.seed() + repeat);
    long seed = options.seed() * 131 + repeat;
    DeviceRecords warmUp =
        new DeviceRecords(data, Math.min(records, WARM_UP_RECORDS), options.edits(), seed);
    library(server, "device-warm-up", warmUp, null);
    DeviceRecords written = new DeviceRecords(data, records, options.edits(), seed);
    library(server, "device-library", written, new Point(store, records, ""));
    if (options.deviceCommands()) {
      if (launcher == null) {
        throw new IllegalStateException("the device commands are on, and no launcher was given");
      }
      commands(server, "device-command", written, new Point(store, records, ""));
    } else {
      results.note(
          "The device scenario's commands (`bin/fieldsync client sync` and `client status` in new"
              + " processes) were left out with --no-device-commands.");
    }
  }

  /**
   * Where a measurement belongs in the results, and the prefix of its metrics' names ({@code
   * "encrypted_"} for encrypted devices); null for the warm-up.
   */
  record Point(String store, long records, String prefix) {}

  private void library(BenchServer server, String round, DeviceRecords written, Point point)
      throws Exception {
    library(server, round, written, point, null);
  }

  /**
   * The library round on a new pair of devices, encrypted with {@code key} when it is not null
   * ({@link EncryptedScenario}). {@code written} must be made for the same key.
   */
  void library(BenchServer server, String round, DeviceRecords written, Point point, DeviceKey key)
      throws Exception {
    String tenant = server.tenant + "-" + round;
    Path fileA = server.dir.resolve(round + "-a.db");
    Path fileB = server.dir.resolve(round + "-b.db");
    long count = written.count();
    try (FieldSyncClient a = initialize(server, tenant, "device-a", fileA, key)) {
      long started = System.nanoTime();
      long fields = written.insert(fileA);
      double insertSeconds = (System.nanoTime() - started) / 1e9;
      started = System.nanoTime();
      SyncResult push = a.syncNow();
      double pushSeconds = (System.nanoTime() - started) / 1e9;
      expect("device A's push", "pushed", push.pushed(), count);
      try (FieldSyncClient b = initialize(server, tenant, "device-b", fileB, key)) {
        started = System.nanoTime();
        SyncResult pull = b.syncNow();
        double pullSeconds = (System.nanoTime() - started) / 1e9;
        expect("fresh device B's pull", "pulled", pull.pulled(), count);
        written.edit(fileA);
        started = System.nanoTime();
        SyncResult editsPush = a.syncNow();
        double editsPushMillis = (System.nanoTime() - started) / 1e6;
        expect("device A's push of the edits", "pushed", editsPush.pushed(), written.edits());
        started = System.nanoTime();
        SyncResult editsPull = b.syncNow();
        double editsPullMillis = (System.nanoTime() - started) / 1e6;
        expect("device B's pull of the edits", "pulled", editsPull.pulled(), written.edits());
        if (point != null) {
          add(point, "device_insert_records_per_s", "records/s", count / insertSeconds, null);
          add(
              point,
              "device_push_records_per_s",
              "records/s",
              count / pushSeconds,
              pushTarget(point, 50_000));
          add(
              point,
              "device_push_field_changes_per_s",
              "field changes/s",
              fields / pushSeconds,
              pushTarget(point, 400_000));
          add(
              point,
              "device_pull_records_per_s",
              "records/s",
              count / pullSeconds,
              pullTarget(point));
          add(point, "device_edits_push_ms", "ms", editsPushMillis, null);
          add(point, "device_edits_pull_ms", "ms", editsPullMillis, null);
          log.printf(
              "  %sdevice, library: %,d records inserted by SQL in %.2f s; push %.2f s (%,.0f"
                  + " records/s), fresh-device pull %.2f s (%,.0f records/s); %,d edits: push %.0f"
                  + " ms, pull %.0f ms%n",
              point.prefix().replace('_', ' '),
              count,
              insertSeconds,
              pushSeconds,
              count / pushSeconds,
              pullSeconds,
              count / pullSeconds,
              written.edits(),
              editsPushMillis,
              editsPullMillis);
        }
        for (int i = 0; i < noopSamples(); i++) {
          for (FieldSyncClient device : new FieldSyncClient[] {a, b}) {
            started = System.nanoTime();
            SyncResult noop = device.syncNow();
            double millis = (System.nanoTime() - started) / 1e6;
            expect("a no-op sync", "pushed", noop.pushed(), 0);
            expect("a no-op sync", "pulled", noop.pulled(), 0);
            if (point != null) {
              add(point, "device_noop_ms", "ms", millis, target("<= 3", v -> v <= 3));
            }
          }
        }
      }
    }
    written.check(fileA, "device A (" + round + ")");
    written.check(fileB, "device B (" + round + ")");
    delete(fileA);
    delete(fileB);
  }

  private void commands(BenchServer server, String round, DeviceRecords written, Point point)
      throws Exception {
    String tenant = server.tenant + "-" + round;
    Path fileA = server.dir.resolve(round + "-a.db");
    Path fileB = server.dir.resolve(round + "-b.db");
    long count = written.count();
    initialize(server, tenant, "device-a", fileA, null).close();
    written.insert(fileA);
    FieldsyncLauncher.Synced push = launcher.sync(fileA);
    expect("`client sync` of device A", "pushed", push.pushed(), count);
    initialize(server, tenant, "device-b", fileB, null).close();
    FieldsyncLauncher.Synced pull = launcher.sync(fileB);
    expect("`client sync` of fresh device B", "pulled", pull.pulled(), count);
    written.edit(fileA);
    FieldsyncLauncher.Synced editsPush = launcher.sync(fileA);
    expect("`client sync` of device A's edits", "pushed", editsPush.pushed(), written.edits());
    FieldsyncLauncher.Synced editsPull = launcher.sync(fileB);
    expect(
        "`client sync` of device B after the edits", "pulled", editsPull.pulled(), written.edits());
    add(
        point,
        "device_cmd_push_wall_ms",
        "ms",
        push.wallMillis(),
        point.records() == 10_000 ? target("<= 1,000", v -> v <= 1_000) : null);
    add(point, "device_cmd_pull_wall_ms", "ms", pull.wallMillis(), null);
    add(point, "device_cmd_edits_push_wall_ms", "ms", editsPush.wallMillis(), null);
    add(point, "device_cmd_edits_pull_wall_ms", "ms", editsPull.wallMillis(), null);
    for (int i = 0; i < noopSamples(); i++) {
      FieldsyncLauncher.Synced noop = launcher.sync(i % 2 == 0 ? fileB : fileA);
      expect("a no-op `client sync`", "pushed", noop.pushed(), 0);
      expect("a no-op `client sync`", "pulled", noop.pulled(), 0);
      add(
          point,
          "device_cmd_noop_wall_ms",
          "ms",
          noop.wallMillis(),
          target("<= 400", v -> v <= 400));
      double status = launcher.run("client", "status", "--db", fileA.toString()).wallMillis();
      add(point, "device_cmd_status_wall_ms", "ms", status, target("<= 300", v -> v <= 300));
    }
    log.printf(
        "  device, command: push %,.0f ms, fresh-device pull %,.0f ms, %,d edits: push %,.0f ms,"
            + " pull %,.0f ms (wall, process start included)%n",
        push.wallMillis(),
        pull.wallMillis(),
        written.edits(),
        editsPush.wallMillis(),
        editsPull.wallMillis());
    written.check(fileA, "device A (" + round + ")");
    written.check(fileB, "device B (" + round + ")");
    delete(fileA);
    delete(fileB);
  }

  /** No-op syncs per device pair: a few, since each command is a new JVM. */
  private int noopSamples() {
    return options.quick() ? 2 : 3;
  }

  private static FieldSyncClient initialize(
      BenchServer server, String tenant, String device, Path file, DeviceKey key) {
    FieldSyncClient.Builder builder =
        FieldSyncClient.builder(file)
            .server(server.server.uri())
            .token(server.token(tenant, device));
    if (key != null) {
      builder.key(key);
    }
    return builder.initialize();
  }

  /** Adds a measurement; an encrypted device's have no target (they are compared, not judged). */
  private void add(Point point, String metric, String unit, double value, Results.Target target) {
    results.add(
        point.prefix() + metric,
        unit,
        point.store(),
        point.records(),
        1,
        point.prefix().isEmpty() ? target : null,
        value);
  }

  /** Device push targets hold at 10k and 100k records. */
  private static Results.Target pushTarget(Point point, long perSecond) {
    return point.records() >= 10_000 && point.records() <= 100_000
        ? target(String.format(Locale.ROOT, ">= %,d", perSecond), v -> v >= perSecond)
        : null;
  }

  /** The fresh-device pull target holds at 1M records. */
  private static Results.Target pullTarget(Point point) {
    return point.records() >= 1_000_000 ? target(">= 200,000", v -> v >= 200_000) : null;
  }

  private static Results.Target target(String text, DoublePredicate met) {
    return new Results.Target(text, met);
  }

  private static void expect(String step, String what, long found, long expected) {
    if (found != expected) {
      throw new IllegalStateException(
          step + " " + what + " " + found + " records, expected " + expected);
    }
  }

  private static void delete(Path database) throws IOException {
    for (String suffix : new String[] {"", "-wal", "-shm"}) {
      Files.deleteIfExists(Path.of(database + suffix));
    }
  }
}
