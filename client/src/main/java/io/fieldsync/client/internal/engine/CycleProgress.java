package io.fieldsync.client.internal.engine;

import io.fieldsync.client.SyncProgress;
import io.fieldsync.client.SyncProgress.Phase;
import io.fieldsync.client.internal.apply.Puller;
import io.fieldsync.client.internal.outbox.Pusher;
import io.fieldsync.client.internal.state.DeviceDatabase;
import io.fieldsync.client.internal.state.Jdbc;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PulledPage;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.Record;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns what one push, pull or snapshot did batch by batch and page by page into {@link
 * SyncProgress} reports and lists of changed rows for the {@link SyncEngine.Events}. A push or pull
 * that is done in one batch or page reports no progress (it has nothing to show in between); its
 * changed rows are reported all the same.
 *
 * <p>Not thread-safe: one per push, pull or snapshot, on the cycle's thread.
 */
final class CycleProgress implements Pusher.Progress, Puller.Progress {
  private final DeviceDatabase database;
  private final SyncEngine.Events events;
  private long records;
  private long bytes;
  private long total = -1;
  private boolean several;

  CycleProgress(DeviceDatabase database, SyncEngine.Events events) {
    this.database = database;
    this.events = events;
  }

  @Override
  public void acknowledged(PushRequest request, long end, long upTo, List<Record> writtenBack) {
    changed(writtenBack);
    records += request.getChangesCount();
    boolean finished = end >= upTo;
    if (!several && finished || !events.hearsProgress()) {
      return;
    }
    if (!several) {
      several = true;
      total = records + recordsPending(end, upTo);
    }
    bytes += request.getSerializedSize();
    events.syncProgress(
        new SyncProgress(
            Phase.PUSH, records, finished ? records : Math.max(total, records), bytes, finished));
  }

  @Override
  public void applied(PullResponse page, PulledPage pulled, long start, long next) {
    changed(pulled);
    records += pulled.size();
    boolean finished = !page.getHasMore();
    if (!several && finished || !events.hearsProgress()) {
      return;
    }
    several = true;
    bytes += page.getSerializedSize();
    // Each change takes one sequence, so the sequences after the run's start bound its records.
    if (page.getSequence() > start) {
      total = Math.max(total, page.getSequence() - start);
    }
    events.syncProgress(
        new SyncProgress(
            Phase.PULL,
            records,
            finished ? records : total < 0 ? -1 : Math.max(total, records),
            bytes,
            finished));
  }

  /** A snapshot page was applied; {@code done} and {@code estimate} are the snapshot's counts. */
  void snapshotPage(PullResponse page, long done, long estimate, boolean finished) {
    changed(page.getRecordsList());
    bytes += page.getSerializedSize();
    events.syncProgress(new SyncProgress(Phase.SNAPSHOT, done, estimate, bytes, finished));
  }

  /** Records with log rows after {@code end} up to {@code upTo}: the rest of the push, at most. */
  private long recordsPending(long end, long upTo) {
    return database.read(
        c ->
            new Jdbc(c)
                .longValue(
                    "SELECT count(*) FROM (SELECT DISTINCT tbl, rid FROM _fs_changelog"
                        + " WHERE id > ? AND id <= ?)",
                    end,
                    upTo));
  }

  private void changed(List<Record> written) {
    if (!written.isEmpty() && events.hearsRowsChanged()) {
      changed(PulledPage.of(written));
    }
  }

  private void changed(PulledPage written) {
    if (written.size() == 0 || !events.hearsRowsChanged()) {
      return;
    }
    Map<String, Set<String>> ids = new LinkedHashMap<>();
    for (int i = 0; i < written.size(); i++) {
      ids.computeIfAbsent(written.table(i), table -> new LinkedHashSet<>())
          .add(written.recordId(i));
    }
    events.rowsChanged(ids);
  }
}
