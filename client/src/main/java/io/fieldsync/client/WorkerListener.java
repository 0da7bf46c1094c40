package io.fieldsync.client;

/**
 * Hears a {@link SyncWorker}. Called on the worker's thread (pokes and live-channel events on the
 * transport's); must return quickly. An exception is logged and otherwise ignored.
 */
@FunctionalInterface
public interface WorkerListener {
  void event(WorkerEvent event);
}
