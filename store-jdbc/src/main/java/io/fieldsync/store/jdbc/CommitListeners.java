package io.fieldsync.store.jdbc;

import io.fieldsync.store.CommitListener;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The listeners registered through {@code onCommit}, told of each commit in turn. Thread-safe. */
final class CommitListeners {
  private static final Logger LOG = LoggerFactory.getLogger(CommitListeners.class);

  private final List<CommitListener> listeners = new CopyOnWriteArrayList<>();

  CommitListener.Registration register(CommitListener listener) {
    Objects.requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** Tells every registered listener; a listener that throws is logged and skipped. */
  void committed(String tenant, long sequence) {
    for (CommitListener listener : listeners) {
      try {
        listener.committed(tenant, sequence);
      } catch (RuntimeException e) {
        LOG.warn("commit listener {} failed for tenant '{}'", listener, tenant, e);
      }
    }
  }
}
