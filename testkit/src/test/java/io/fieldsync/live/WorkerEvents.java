package io.fieldsync.live;

import io.fieldsync.client.WorkerEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Collects a worker's events (pass {@code all::add} as its listener). */
final class WorkerEvents {
  final List<WorkerEvent> all = new CopyOnWriteArrayList<>();

  <T extends WorkerEvent> List<T> of(Class<T> type) {
    List<T> result = new ArrayList<>();
    for (WorkerEvent event : all) {
      if (type.isInstance(event)) {
        result.add(type.cast(event));
      }
    }
    return result;
  }

  boolean has(Class<? extends WorkerEvent> type) {
    return !of(type).isEmpty();
  }
}
