package io.fieldsync.cli;

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
}
