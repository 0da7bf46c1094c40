package io.fieldsync.client.internal.engine;

import io.fieldsync.client.FaultInjector;
import java.util.Objects;

/**
 * How a {@link SyncEngine} batches and pulls.
 *
 * @param batchSize most records per push request
 * @param pullPageSize records per pull page asked of the server
 * @param faults the crash-test seam ({@link FaultInjector#NONE} outside tests)
 */
public record EngineSettings(int batchSize, int pullPageSize, FaultInjector faults) {
  public EngineSettings {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be 1 or more, found " + batchSize);
    }
    if (pullPageSize < 1) {
      throw new IllegalArgumentException("pullPageSize must be 1 or more, found " + pullPageSize);
    }
    Objects.requireNonNull(faults, "faults");
  }
}
