package io.fieldsync.cli;

import io.fieldsync.client.SyncListener;
import io.fieldsync.client.SyncProgress;
import java.io.PrintWriter;
import java.util.function.LongSupplier;

/**
 * Shows a sync's {@link SyncProgress} once it has run for {@code after} nanoseconds: on a terminal
 * a bar redrawn in place, else a plain line at most once a second and one when a phase finishes.
 * Not thread-safe: a sync reports on one thread.
 */
final class ProgressPrinter implements SyncListener {
  private static final long LINE_EVERY_NANOS = 1_000_000_000L;

  private final PrintWriter out;
  private final boolean terminal;
  private final long after;
  private final LongSupplier nanos;
  private final long started;
  private long lastLine = Long.MIN_VALUE;
  private boolean barShown;

  ProgressPrinter(PrintWriter out, boolean terminal, long after, LongSupplier nanos) {
    this.out = out;
    this.terminal = terminal;
    this.after = after;
    this.nanos = nanos;
    this.started = nanos.getAsLong();
  }

  @Override
  public void syncProgress(SyncProgress progress) {
    long now = nanos.getAsLong();
    if (now - started < after) {
      return;
    }
    if (terminal) {
      out.print("\r" + ProgressBar.render(progress));
      barShown = !progress.finished();
      if (progress.finished()) {
        out.println();
      }
      out.flush();
    } else if (progress.finished()
        || lastLine == Long.MIN_VALUE
        || now - lastLine >= LINE_EVERY_NANOS) {
      lastLine = now;
      out.println(ProgressBar.line(progress));
      out.flush();
    }
  }

  @Override
  public void syncFailed(io.fieldsync.SyncException error) {
    if (barShown) {
      out.println();
      out.flush();
      barShown = false;
    }
  }
}
