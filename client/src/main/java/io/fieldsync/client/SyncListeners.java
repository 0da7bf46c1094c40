package io.fieldsync.client;

import io.fieldsync.SyncException;
import io.fieldsync.client.internal.engine.SyncCycles;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A client's {@link SyncListener}s, told what its cycles do; a failing listener is logged. */
final class SyncListeners implements SyncCycles.Events {
  private static final Logger LOG = LoggerFactory.getLogger(SyncListeners.class);

  private final List<SyncListener> listeners = new CopyOnWriteArrayList<>();
  private volatile ChangeFeed changes;

  void add(SyncListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  void remove(SyncListener listener) {
    listeners.remove(listener);
  }

  /** Where the rows a cycle writes are reported. */
  void feedChangesTo(ChangeFeed changes) {
    this.changes = changes;
  }

  @Override
  public void syncStarted() {
    tell(SyncListener::syncStarted);
  }

  @Override
  public void syncFinished(SyncResult result) {
    tell(listener -> listener.syncFinished(result));
  }

  @Override
  public void syncFailed(SyncException error) {
    tell(listener -> listener.syncFailed(error));
  }

  @Override
  public void conflict(String table, String recordId, String column) {
    tell(listener -> listener.conflict(table, recordId, column));
  }

  @Override
  public void rejected(RejectedChange change) {
    tell(listener -> listener.rejected(change));
  }

  @Override
  public void explained(ConflictExplanation explanation) {
    tell(listener -> listener.explained(explanation));
  }

  @Override
  public void resyncStarted(String reason) {
    tell(listener -> listener.resyncStarted(reason));
  }

  @Override
  public void snapshotProgress(long done, long totalEstimate, boolean finished) {
    tell(listener -> listener.snapshotProgress(done, totalEstimate, finished));
  }

  @Override
  public void syncProgress(SyncProgress progress) {
    tell(listener -> listener.syncProgress(progress));
  }

  @Override
  public void rowsChanged(Map<String, Set<String>> recordIds) {
    ChangeFeed feed = changes;
    if (feed != null) {
      feed.serverChanged(recordIds);
    }
  }

  @Override
  public boolean hearsProgress() {
    return !listeners.isEmpty();
  }

  @Override
  public boolean hearsRowsChanged() {
    ChangeFeed feed = changes;
    return feed != null && !feed.isIdle();
  }

  @Override
  public void pushStarting() {
    ChangeFeed feed = changes;
    if (feed != null) {
      feed.beforePush();
    }
  }

  private void tell(Consumer<SyncListener> event) {
    for (SyncListener listener : listeners) {
      try {
        event.accept(listener);
      } catch (RuntimeException e) {
        LOG.warn("sync listener {} failed", listener, e);
      }
    }
  }
}
