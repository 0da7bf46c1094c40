package io.fieldsync.server;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.fieldsync.AuthException;
import io.fieldsync.ProtocolException;
import io.fieldsync.store.SyncStore;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Revoked device tokens. Revoking a device refuses every token of it issued up to that second, on
 * every node of the store; a token minted later enrolls the device again. The store is read at most
 * once per tenant per {@link #CACHE_MILLIS}, so another node refuses a revoked token within that
 * time and this node at once. Thread-safe.
 */
public final class Revocations {
  static final long CACHE_MILLIS = 2_000;

  private final SyncStore store;
  private final LongSupplier wallClock;
  private final Map<String, Cached> byTenant = new ConcurrentHashMap<>();

  private record Cached(Map<String, Long> devices, long readAt) {}

  Revocations(SyncStore store, LongSupplier wallClock) {
    this.store = store;
    this.wallClock = wallClock;
  }

  /**
   * @throws AuthException when the token's device was revoked after the token was issued
   */
  void check(TokenClaims token) {
    Long upTo = revoked(token.tenant()).get(token.device());
    if (upTo != null && token.issuedAt().getEpochSecond() <= upTo) {
      throw new AuthException(
          "the tokens of device '"
              + token.device()
              + "' issued up to "
              + Instant.ofEpochSecond(upTo)
              + " were revoked; get a new token");
    }
  }

  private Map<String, Long> revoked(String tenant) {
    long now = wallClock.getAsLong();
    Cached cached = byTenant.get(tenant);
    if (cached == null || now - cached.readAt() >= CACHE_MILLIS || now < cached.readAt()) {
      cached = new Cached(Map.copyOf(store.revokedDevices(tenant)), now);
      byTenant.put(tenant, cached);
    }
    return cached.devices();
  }

  /**
   * {@code POST /v1/admin/revoke} with {@code {"device": "tablet-7"}}: an admin token revokes a
   * device of its own tenant. Returns the JSON answer.
   */
  public String revoke(TokenClaims admin, String body) {
    admin.requireAdmin("revoking tokens");
    String device;
    try {
      JsonElement parsed = JsonParser.parseString(body);
      if (!parsed.isJsonObject()) {
        throw new ProtocolException("revoke needs a JSON object such as {\"device\":\"tablet-7\"}");
      }
      JsonObject request = parsed.getAsJsonObject();
      for (String key : request.keySet()) {
        if (!key.equals("device")) {
          throw new ProtocolException(
              "unknown field '" + MessageText.abbreviate(key) + "'; expected device");
        }
      }
      JsonElement node = request.get("device");
      device =
          node != null && node.isJsonPrimitive() && node.getAsJsonPrimitive().isString()
              ? node.getAsString()
              : null;
    } catch (JsonParseException e) {
      throw new ProtocolException("body is not valid JSON: " + e.getMessage());
    }
    if (device == null || device.isBlank()) {
      throw new ProtocolException("revoke needs \"device\": the device id whose tokens to refuse");
    }
    long upTo = Math.floorDiv(wallClock.getAsLong(), 1000);
    store.revokeDevice(admin.tenant(), device, upTo);
    byTenant.remove(admin.tenant());
    JsonObject answer = new JsonObject();
    answer.addProperty("tenant", admin.tenant());
    answer.addProperty("device", device);
    answer.addProperty("issued_up_to", Instant.ofEpochSecond(upTo).toString());
    return answer.toString();
  }
}
