package io.fieldsync.client;

import java.time.Duration;
import java.util.Objects;

/**
 * What one sync cycle did.
 *
 * @param pushed consolidated changes sent (one per record)
 * @param applied pushed changes the server took as sent
 * @param merged pushed changes the server merged into another value
 * @param rejected pushed changes the server refused (see {@link FieldSyncClient#rejected()})
 * @param parked pushed changes with fields sent to the server's review queue
 * @param pulled records received and applied locally
 * @param conflicts fields where a server change met a pending local edit
 * @param cursor the server sequence the device has applied after the cycle
 * @param duration how long the cycle took
 */
public record SyncResult(
    int pushed,
    int applied,
    int merged,
    int rejected,
    int parked,
    int pulled,
    int conflicts,
    long cursor,
    Duration duration) {

  public SyncResult {
    Objects.requireNonNull(duration, "duration");
    if (pushed < 0 || applied < 0 || merged < 0 || rejected < 0 || parked < 0 || pulled < 0) {
      throw new IllegalArgumentException("counts must not be negative");
    }
  }
}
