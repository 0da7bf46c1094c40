package io.fieldsync.cli;

import io.fieldsync.client.SyncProgress;
import java.util.Locale;

/** A one-line text progress bar: {@code [#########...........] 45% 4500/10000 records}. */
final class ProgressBar {
  private static final int WIDTH = 30;

  private ProgressBar() {}

  static String render(long done, long total, boolean finished) {
    long whole = Math.max(1, Math.max(done, total));
    int filled = finished ? WIDTH : (int) (WIDTH * done / whole);
    long percent = finished ? 100 : 100 * done / whole;
    return "snapshot ["
        + "#".repeat(filled)
        + ".".repeat(WIDTH - filled)
        + "] "
        + String.format("%3d%% %d/%d records", percent, done, finished ? done : total)
        + (finished ? " done" : "");
  }

  /** A bar for a terminal: {@code pull [#####.....] 45% 4500/10000 records, 1.2 MiB}. */
  static String render(SyncProgress progress) {
    double fraction = progress.fraction();
    int filled = fraction < 0 ? 0 : (int) (WIDTH * fraction);
    String counts =
        fraction < 0
            ? String.format(Locale.ROOT, "%d records", progress.records())
            : String.format(
                Locale.ROOT,
                "%3d%% %d/%d records",
                (int) (100 * fraction),
                progress.records(),
                progress.recordsTotal());
    return String.format(
        Locale.ROOT,
        "%-8s [%s%s] %s, %s%s",
        phase(progress),
        "#".repeat(filled),
        ".".repeat(WIDTH - filled),
        counts,
        bytes(progress.bytes()),
        progress.finished() ? " done" : "");
  }

  /**
   * A plain line for a log: {@code pull: 4500 of about 10000 records, 1.2 MiB}; {@code pull: 10000
   * records, 2.6 MiB, done} at the end.
   */
  static String line(SyncProgress progress) {
    if (progress.finished()) {
      return String.format(
          Locale.ROOT,
          "%s: %d records, %s, done",
          phase(progress),
          progress.records(),
          bytes(progress.bytes()));
    }
    return String.format(
        Locale.ROOT,
        "%s: %d%s records, %s",
        phase(progress),
        progress.records(),
        progress.recordsTotal() < 0 ? "" : " of about " + progress.recordsTotal(),
        bytes(progress.bytes()));
  }

  private static String phase(SyncProgress progress) {
    return progress.phase().name().toLowerCase(Locale.ROOT);
  }

  private static String bytes(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    if (bytes < 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
  }
}
