package io.fieldsync.bench;

import io.fieldsync.client.DeviceKey;
import java.io.PrintStream;
import java.sql.Connection;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What encrypting the device database costs (SQLCipher 4 format through SQLite3 Multiple Ciphers, a
 * raw 32-byte key): the device scenario's library round on a pair of encrypted devices, reported as
 * {@code encrypted_device_*} beside the {@code device_*} figures of the same run, and the
 * application's inserts and updates into a synced table of an encrypted device against the same
 * table of an unencrypted one, in alternating rounds on the same rows.
 */
final class EncryptedScenario {
  private final BenchOptions options;
  private final Results results;
  private final PrintStream log;

  EncryptedScenario(BenchOptions options, Results results, PrintStream log) {
    this.options = options;
    this.results = results;
    this.log = log;
  }

  void run(BenchServer server, Dataset data, String store, long records, int repeat)
      throws Exception {
    DeviceKey key = key(options.seed());
    capture(server, data, key, store, records);
    long smallest = options.records().stream().mapToLong(Long::longValue).min().orElseThrow();
    if (options.quick() && (records != smallest || records > DeviceScenario.QUICK_MAX_RECORDS)) {
      log.printf("  encrypted device: skipped at %,d records with --quick%n", records);
      return;
    }
    Dataset deviceData = new Dataset(options.seed() + repeat);
    long seed = options.seed() * 131 + repeat;
    DeviceScenario device = new DeviceScenario(options, results, log, null);
    long warmUp = Math.min(records, DeviceScenario.WARM_UP_RECORDS);
    device.library(
        server,
        "encrypted-warm-up",
        new DeviceRecords(deviceData, warmUp, options.edits(), seed, key),
        null,
        key);
    device.library(
        server,
        "encrypted-library",
        new DeviceRecords(deviceData, records, options.edits(), seed, key),
        new DeviceScenario.Point(store, records, "encrypted_"),
        key);
  }

  /**
   * Inserts then updates the same measurement rows on an unencrypted and an encrypted synced
   * device, in {@link CaptureScenario#CAPTURE_ROUNDS} rounds that alternate which goes first; the
   * costs are the medians of the rounds' ratios.
   */
  private void capture(BenchServer server, Dataset data, DeviceKey key, String store, long records)
      throws Exception {
    int rows = (int) Math.min(options.captureRows(), records);
    List<Dataset.Row> measurements = CaptureScenario.measurements(data, rows);
    int rounds = CaptureScenario.CAPTURE_ROUNDS;
    double[][] insertSeconds = new double[rounds][2];
    double[][] updateSeconds = new double[rounds][2];
    try (MeteredDevice plainDevice = server.device("capture-unencrypted");
        MeteredDevice encryptedDevice = server.device("capture-encrypted", key);
        Connection plain = plainDevice.client().connection();
        Connection encrypted = encryptedDevice.client().connection()) {
      List<Connection> sides = List.of(plain, encrypted);
      int chunk = Math.max(1, rows / rounds);
      for (int round = 0; round < rounds; round++) {
        List<Dataset.Row> part =
            measurements.subList(
                Math.min(rows, round * chunk),
                round == rounds - 1 ? rows : Math.min(rows, (round + 1) * chunk));
        for (int turn = 0; turn < 2; turn++) {
          int side = (turn + round) % 2;
          insertSeconds[round][side] = CaptureScenario.insertSeconds(sides.get(side), part);
        }
        for (int turn = 0; turn < 2; turn++) {
          int side = (turn + round + 1) % 2;
          updateSeconds[round][side] = CaptureScenario.updateSeconds(sides.get(side), part);
        }
      }
    }
    double inserts = CaptureScenario.rate(rows, insertSeconds, 1);
    double updates = CaptureScenario.rate(rows, updateSeconds, 1);
    double insertCost = CaptureScenario.medianRatio(insertSeconds, 1);
    double updateCost = CaptureScenario.medianRatio(updateSeconds, 1);
    results.add("encrypted_capture_inserts_per_s", "rows/s", store, records, 1, null, inserts);
    results.add("encrypted_capture_updates_per_s", "rows/s", store, records, 1, null, updates);
    results.add(
        "encrypted_capture_insert_cost", "x unencrypted", store, records, 1, null, insertCost);
    results.add(
        "encrypted_capture_update_cost", "x unencrypted", store, records, 1, null, updateCost);
    log.printf(
        "  encrypted capture: inserts %,.0f/s (%.2fx the unencrypted device's time), updates"
            + " %,.0f/s (%.2fx)%n",
        inserts, insertCost, updates, updateCost);
  }

  /** A fixed key per seed: the measurement needs a key, not a secret. */
  private static DeviceKey key(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    byte[] bytes = new byte[DeviceKey.BYTES];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) random.nextInt(256);
    }
    return DeviceKey.of(bytes);
  }
}
