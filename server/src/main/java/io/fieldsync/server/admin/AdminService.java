package io.fieldsync.server.admin;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.fieldsync.NotFoundException;
import io.fieldsync.clock.Hlc;
import io.fieldsync.schema.Schema;
import io.fieldsync.server.MessageText;
import io.fieldsync.server.TokenClaims;
import io.fieldsync.store.DeviceActivity;
import io.fieldsync.store.JournalEntry;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.TrafficMinute;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The JSON behind the admin console: {@code GET /v1/admin/devices}, {@code GET
 * /v1/admin/records/{table}/{id}/history} and {@code GET /v1/admin/overview}. Every call needs an
 * admin token and reads only the token's tenant. Thread-safe.
 */
public final class AdminService {
  /** A device whose live channel a node saw within this long counts as online. */
  static final long ONLINE_MILLIS = 15_000;

  static final int HISTORY_LIMIT = 1_000;
  static final int RECENT_DECISIONS = 20;
  static final int OVERVIEW_MINUTES = 60;
  private static final long MINUTE_MILLIS = 60_000;

  private final SyncStore store;
  private final Schema schema;
  private final ActivityLog activity;
  private final LongSupplier wallClock;

  public AdminService(
      SyncStore store, Schema schema, ActivityLog activity, LongSupplier wallClock) {
    this.store = store;
    this.schema = schema;
    this.activity = activity;
    this.wallClock = wallClock;
  }

  /** Every device of the tenant with what the server last saw of it. */
  public JsonObject devices(TokenClaims token) {
    token.requireAdmin("the admin console");
    String tenant = token.tenant();
    long sequence = store.currentSequence(tenant);
    Map<String, Long> revoked = store.revokedDevices(tenant);
    long now = wallClock.getAsLong();
    JsonArray devices = new JsonArray();
    for (DeviceActivity device : known(tenant).values()) {
      JsonObject json = new JsonObject();
      json.addProperty("device", device.device());
      json.addProperty("user", device.user());
      json.add("last_seen", instant(device.lastSeenMillis()));
      json.addProperty("last_result", device.lastResult());
      json.add("cursor", device.cursor() < 0 ? JsonNull.INSTANCE : number(device.cursor()));
      json.add(
          "lag",
          device.cursor() < 0
              ? JsonNull.INSTANCE
              : number(Math.max(0, sequence - device.cursor())));
      json.add("pending", device.pending() < 0 ? JsonNull.INSTANCE : number(device.pending()));
      json.addProperty("online", online(device, now));
      Long upTo = revoked.get(device.device());
      json.addProperty("revoked", upTo != null);
      json.add("revoked_up_to", upTo == null ? JsonNull.INSTANCE : instant(upTo * 1000));
      devices.add(json);
    }
    JsonObject body = new JsonObject();
    body.addProperty("sequence", sequence);
    body.add("devices", devices);
    return body;
  }

  /** Every change the journal holds for one record, oldest first. */
  public JsonObject history(TokenClaims token, String table, String recordId) {
    token.requireAdmin("the admin console");
    if (schema.table(table) == null) {
      throw new NotFoundException(
          "no table '"
              + MessageText.abbreviate(table)
              + "' in the schema; it has "
              + schema.tables().keySet());
    }
    List<JournalEntry> entries =
        store.recordHistory(token.tenant(), table, recordId, HISTORY_LIMIT);
    JsonArray changes = new JsonArray();
    for (JournalEntry entry : entries) {
      changes.add(change(entry));
    }
    JsonObject body = new JsonObject();
    body.addProperty("table", table);
    body.addProperty("record_id", recordId);
    body.add("changes", changes);
    body.addProperty("truncated", entries.size() == HISTORY_LIMIT);
    return body;
  }

  /**
   * The tenant at a glance: sequence, devices and who is online, traffic per minute over the last
   * hour, conflicts by strategy in that hour, and the latest decisions other than a plain apply.
   */
  public JsonObject overview(TokenClaims token) {
    token.requireAdmin("the admin console");
    String tenant = token.tenant();
    long now = wallClock.getAsLong();
    long thisMinute = now / MINUTE_MILLIS;
    long firstMinute = thisMinute - OVERVIEW_MINUTES + 1;
    Map<Long, Map<String, Long>> perMinute = new TreeMap<>();
    for (long minute = firstMinute; minute <= thisMinute; minute++) {
      perMinute.put(minute, new HashMap<>());
    }
    for (List<TrafficMinute> source :
        List.of(store.traffic(tenant, firstMinute), activity.unsavedTraffic(tenant))) {
      for (TrafficMinute minute : source) {
        Map<String, Long> counts = perMinute.get(minute.minute());
        if (counts != null) {
          counts.merge(minute.kind(), minute.count(), Long::sum);
        }
      }
    }
    JsonArray minutes = new JsonArray();
    Map<String, Long> conflicts = new TreeMap<>();
    long pushes = 0;
    long pulls = 0;
    long rejected = 0;
    for (Map.Entry<Long, Map<String, Long>> minute : perMinute.entrySet()) {
      Map<String, Long> counts = minute.getValue();
      JsonObject json = new JsonObject();
      json.addProperty("minute", Instant.ofEpochMilli(minute.getKey() * MINUTE_MILLIS).toString());
      json.addProperty("pushes", counts.getOrDefault(ActivityKinds.PUSH, 0L));
      json.addProperty("pulls", counts.getOrDefault(ActivityKinds.PULL, 0L));
      minutes.add(json);
      pushes += counts.getOrDefault(ActivityKinds.PUSH, 0L);
      pulls += counts.getOrDefault(ActivityKinds.PULL, 0L);
      rejected += counts.getOrDefault(ActivityKinds.REJECTED, 0L);
      counts.forEach(
          (kind, count) -> {
            if (kind.startsWith(ActivityKinds.CONFLICT)) {
              conflicts.merge(kind.substring(ActivityKinds.CONFLICT.length()), count, Long::sum);
            }
          });
    }
    Map<String, DeviceActivity> devices = known(tenant);
    long online = devices.values().stream().filter(device -> online(device, now)).count();
    JsonObject lastHour = new JsonObject();
    lastHour.addProperty("pushes", pushes);
    lastHour.addProperty("pulls", pulls);
    lastHour.addProperty("rejected", rejected);
    JsonObject byStrategy = new JsonObject();
    conflicts.forEach(byStrategy::addProperty);
    lastHour.add("conflicts_by_strategy", byStrategy);
    JsonArray recent = new JsonArray();
    for (JournalEntry entry : store.recentDecisions(tenant, RECENT_DECISIONS)) {
      recent.add(change(entry));
    }
    JsonObject body = new JsonObject();
    body.addProperty("sequence", store.currentSequence(tenant));
    body.addProperty("devices", devices.size());
    body.addProperty("online", online);
    body.add("last_hour", lastHour);
    body.add("minutes", minutes);
    body.add("recent_decisions", recent);
    return body;
  }

  /** The store's devices, updated with what this node saw and has not saved yet. */
  private Map<String, DeviceActivity> known(String tenant) {
    Map<String, DeviceActivity> devices = new TreeMap<>();
    for (DeviceActivity device : store.devices(tenant)) {
      devices.put(device.device(), device);
    }
    for (DeviceActivity fresh : activity.unsaved(tenant)) {
      devices.merge(
          fresh.device(),
          fresh,
          (stored, seen) ->
              seen.lastSeenMillis() < stored.lastSeenMillis()
                  ? stored
                  : new DeviceActivity(
                      seen.tenant(),
                      seen.device(),
                      seen.user(),
                      seen.lastSeenMillis(),
                      seen.lastResult() == null ? stored.lastResult() : seen.lastResult(),
                      seen.cursor() >= 0 ? seen.cursor() : stored.cursor(),
                      seen.pending() >= 0 ? seen.pending() : stored.pending(),
                      stored.liveSeenMillis()));
    }
    long now = wallClock.getAsLong();
    for (String device : activity.liveDevices(tenant)) {
      devices.compute(
          device,
          (key, known) ->
              known == null
                  ? new DeviceActivity(tenant, device, null, 0, null, -1, -1, now)
                  : new DeviceActivity(
                      known.tenant(),
                      known.device(),
                      known.user(),
                      known.lastSeenMillis(),
                      known.lastResult(),
                      known.cursor(),
                      known.pending(),
                      now));
    }
    return devices;
  }

  private static boolean online(DeviceActivity device, long now) {
    return device.liveSeenMillis() > 0 && now - device.liveSeenMillis() <= ONLINE_MILLIS;
  }

  private static JsonObject change(JournalEntry entry) {
    JsonObject json = new JsonObject();
    json.addProperty("table", entry.table());
    json.addProperty("record_id", entry.recordId());
    json.addProperty("seq", entry.seq());
    json.addProperty("op", entry.op());
    json.addProperty("device", entry.device());
    json.addProperty("batch_id", entry.batchId());
    json.addProperty("hlc", entry.hlc());
    json.add("time", instant(Hlc.wallMillis(entry.hlc())));
    json.add("fields", fields(entry.fields()));
    json.addProperty("outcome", entry.outcome());
    json.addProperty("reason", entry.reason());
    return json;
  }

  private static JsonElement fields(String text) {
    if (text == null) {
      return JsonNull.INSTANCE;
    }
    try {
      return JsonParser.parseString(text);
    } catch (JsonParseException e) {
      return new JsonPrimitive(text);
    }
  }

  private static JsonElement instant(long millis) {
    return millis <= 0
        ? JsonNull.INSTANCE
        : new JsonPrimitive(Instant.ofEpochMilli(millis).toString());
  }

  private static JsonElement number(long value) {
    return new JsonPrimitive(value);
  }
}
