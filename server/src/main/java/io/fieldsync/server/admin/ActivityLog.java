package io.fieldsync.server.admin;

import io.fieldsync.schema.Schema;
import io.fieldsync.server.ConflictStrategies;
import io.fieldsync.server.MessageText;
import io.fieldsync.server.TokenClaims;
import io.fieldsync.store.AdminStore;
import io.fieldsync.store.DeviceActivity;
import io.fieldsync.store.TrafficMinute;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.ChangeResult;
import io.fieldsync.wire.ChangeStatus;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this node saw of devices since it last {@linkplain #flush() saved} it: each device's latest
 * request, the live channels open now, and traffic counts per minute. Requests only touch memory;
 * the store gets one small write per flush, so the sync path pays nothing for the console.
 * Thread-safe.
 */
public final class ActivityLog {
  private static final Logger log = LoggerFactory.getLogger(ActivityLog.class);
  private static final long MINUTE_MILLIS = 60_000;

  private record DeviceKey(String tenant, String device) {}

  private record TrafficKey(String tenant, long minute, String kind) {}

  private final AdminStore store;
  private final ConflictStrategies strategies;
  private final LongSupplier wallClock;
  private final Map<DeviceKey, DeviceActivity> seen = new ConcurrentHashMap<>();
  private final Map<DeviceKey, LiveSockets> live = new ConcurrentHashMap<>();
  private final Map<TrafficKey, Long> traffic = new ConcurrentHashMap<>();

  /** Open live sockets of one device on this node, with the user of the first one. */
  private record LiveSockets(String user, int count) {}

  public ActivityLog(AdminStore store, Schema schema, LongSupplier wallClock) {
    this.store = store;
    this.strategies = new ConflictStrategies(schema);
    this.wallClock = wallClock;
  }

  /** An answered push: the device's last result, and the minute's pushes, conflicts, rejections. */
  public void pushed(TokenClaims token, PushRequest request, PushResponse response) {
    String result =
        response.getReplayed()
            ? "push of batch " + request.getBatchId() + " answered again (replayed)"
            : "push: "
                + response.getApplied()
                + " applied, "
                + response.getMerged()
                + " merged, "
                + response.getParked()
                + " parked, "
                + response.getRejected()
                + " rejected";
    request(token, result, -1, -1);
    count(token.tenant(), ActivityKinds.PUSH, 1);
    if (response.getReplayed()) {
      return;
    }
    count(token.tenant(), ActivityKinds.REJECTED, response.getRejected());
    List<Change> changes = request.getChangesList();
    for (ChangeResult changeResult : response.getResultsList()) {
      int index = changeResult.getIndex();
      if (changeResult.getStatus() == ChangeStatus.APPLIED
          || index < 0
          || index >= changes.size()) {
        continue;
      }
      for (String strategy : strategies.of(changes.get(index), changeResult)) {
        count(token.tenant(), ActivityKinds.CONFLICT + strategy, 1);
      }
    }
  }

  /** An answered pull page that brought the device to {@code cursor}. */
  public void pulled(TokenClaims token, long cursor, int records, long pending) {
    request(token, "pull: " + records + " records, cursor " + cursor, cursor, pending);
    count(token.tenant(), ActivityKinds.PULL, 1);
  }

  /** A push or pull the server refused or failed. */
  public void refused(TokenClaims token, String what, RuntimeException failure) {
    request(
        token,
        what + " failed: " + MessageText.abbreviate(String.valueOf(failure.getMessage())),
        -1,
        -1);
  }

  /**
   * A request of the device answered with {@code result}; {@code cursor} and {@code pending} are -1
   * when the request said nothing of them.
   */
  public void request(TokenClaims token, String result, long cursor, long pending) {
    long now = wallClock.getAsLong();
    DeviceKey key = new DeviceKey(token.tenant(), token.device());
    seen.merge(
        key,
        new DeviceActivity(
            token.tenant(), token.device(), token.user(), now, result, cursor, pending, 0),
        (old, fresh) ->
            new DeviceActivity(
                fresh.tenant(),
                fresh.device(),
                fresh.user(),
                fresh.lastSeenMillis(),
                fresh.lastResult() == null ? old.lastResult() : fresh.lastResult(),
                fresh.cursor() >= 0 ? fresh.cursor() : old.cursor(),
                fresh.pending() >= 0 ? fresh.pending() : old.pending(),
                0));
  }

  /**
   * Adds {@code count} to this minute's traffic of {@code kind} ({@code push}, {@code pull}...).
   */
  public void count(String tenant, String kind, long count) {
    if (count <= 0) {
      return;
    }
    long minute = wallClock.getAsLong() / MINUTE_MILLIS;
    traffic.merge(new TrafficKey(tenant, minute, kind), count, Long::sum);
  }

  public void liveOpened(TokenClaims token) {
    live.merge(
        new DeviceKey(token.tenant(), token.device()),
        new LiveSockets(token.user(), 1),
        (old, one) -> new LiveSockets(old.user(), old.count() + 1));
  }

  public void liveClosed(TokenClaims token) {
    live.computeIfPresent(
        new DeviceKey(token.tenant(), token.device()),
        (key, old) -> old.count() <= 1 ? null : new LiveSockets(old.user(), old.count() - 1));
  }

  /** The tenant's devices with a live channel open to this node now. */
  public List<String> liveDevices(String tenant) {
    List<String> devices = new ArrayList<>();
    for (DeviceKey key : live.keySet()) {
      if (key.tenant().equals(tenant)) {
        devices.add(key.device());
      }
    }
    return devices;
  }

  /** What this node saw of the tenant's devices and has not saved yet. */
  public List<DeviceActivity> unsaved(String tenant) {
    List<DeviceActivity> devices = new ArrayList<>();
    for (DeviceActivity device : seen.values()) {
      if (device.tenant().equals(tenant)) {
        devices.add(device);
      }
    }
    return devices;
  }

  /** This node's traffic of the tenant not saved yet. */
  public List<TrafficMinute> unsavedTraffic(String tenant) {
    List<TrafficMinute> minutes = new ArrayList<>();
    traffic.forEach(
        (key, count) -> {
          if (key.tenant().equals(tenant)) {
            minutes.add(new TrafficMinute(key.tenant(), key.minute(), key.kind(), count));
          }
        });
    return minutes;
  }

  /**
   * Saves what was seen since the last flush, and a sighting of every live channel open now. What
   * the store refuses is kept for the next flush.
   */
  public void flush() {
    long now = wallClock.getAsLong();
    Map<DeviceKey, DeviceActivity> devices = Map.copyOf(seen);
    Map<TrafficKey, Long> counts = Map.copyOf(traffic);
    List<DeviceActivity> rows = new ArrayList<>(devices.values());
    live.forEach(
        (key, sockets) ->
            rows.add(
                new DeviceActivity(
                    key.tenant(), key.device(), sockets.user(), 0, null, -1, -1, now)));
    List<TrafficMinute> minutes = new ArrayList<>();
    counts.forEach(
        (key, count) ->
            minutes.add(new TrafficMinute(key.tenant(), key.minute(), key.kind(), count)));
    try {
      store.saveActivity(rows, minutes);
    } catch (RuntimeException e) {
      log.warn("saving device activity failed; keeping it for the next try: {}", e.toString());
      return;
    }
    devices.forEach(seen::remove);
    counts.forEach(
        (key, count) ->
            traffic.computeIfPresent(
                key, (unused, left) -> left - count == 0 ? null : left - count));
  }
}
