package io.fieldsync.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.store.JournalEntry;
import io.fieldsync.store.ReviewItem;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.store.SyncStore;
import io.fieldsync.wire.FieldVersion;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The review queue over HTTP, for tokens with role {@code admin}. Resolving an item that takes the
 * device's value or sets a new one is an ordinary change: it gets the next sequence and a journal
 * entry, so it reaches every device on its next pull. Thread-safe.
 */
final class ReviewService {
  static final Set<String> ACTIONS = Set.of("keep_server", "take_device", "set");

  private final SyncStore store;
  private final Schema schema;
  private final ServerClock clock;

  ReviewService(SyncStore store, Schema schema, ServerClock clock) {
    this.store = store;
    this.schema = schema;
    this.clock = clock;
  }

  String list(TokenClaims token, boolean all) {
    requireAdmin(token);
    JsonArray items = new JsonArray();
    for (ReviewItem item : store.reviewItems(token.tenant(), all)) {
      items.add(toJson(item));
    }
    JsonObject body = new JsonObject();
    body.add("items", items);
    return body.toString();
  }

  String resolve(TokenClaims token, long id, String body) {
    requireAdmin(token);
    JsonObject request;
    try {
      JsonElement parsed = JsonParser.parseString(body);
      if (!parsed.isJsonObject()) {
        throw HttpFailure.badRequest(
            "resolve needs a JSON object such as {\"action\":\"keep_server\"}");
      }
      request = parsed.getAsJsonObject();
    } catch (JsonParseException e) {
      throw HttpFailure.badRequest("body is not valid JSON: " + e.getMessage());
    }
    for (String key : request.keySet()) {
      if (!key.equals("action") && !key.equals("value")) {
        throw HttpFailure.badRequest(
            "unknown field '" + MessageCodec.abbreviate(key) + "'; expected action and value");
      }
    }
    JsonElement actionNode = request.get("action");
    String action =
        actionNode != null && actionNode.isJsonPrimitive() ? actionNode.getAsString() : null;
    if (action == null || !ACTIONS.contains(action)) {
      throw HttpFailure.badRequest(
          "action must be keep_server, take_device or set, found "
              + (actionNode == null ? "nothing" : MessageCodec.abbreviate(actionNode.toString())));
    }
    if (action.equals("set") != request.has("value")) {
      throw HttpFailure.badRequest(
          action.equals("set") ? "action set needs a value" : "only action set takes a value");
    }
    ReviewItem item =
        store
            .reviewItem(token.tenant(), id)
            .orElseThrow(() -> HttpFailure.notFound("review item " + id + " not found"));
    Table table = schema.table(item.table());
    Column column = table == null || item.column() == null ? null : table.column(item.column());
    Object value = null;
    if (!action.equals("keep_server")) {
      if (column == null) {
        throw HttpFailure.badRequest(
            "review item "
                + id
                + " is not a single field of a known table; only keep_server"
                + " resolves it");
      }
      try {
        value =
            action.equals("set")
                ? column.type().coerce(fromJson(request.get("value")))
                : column.type().coerce(item.deviceValue());
      } catch (IllegalArgumentException e) {
        throw HttpFailure.badRequest(
            "table '" + item.table() + "', column '" + item.column() + "': " + e.getMessage());
      }
      if (value == null && column.required()) {
        throw HttpFailure.badRequest(
            "table '"
                + item.table()
                + "', column '"
                + item.column()
                + "' is required; the value"
                + " must not be null");
      }
    }
    Object chosen = value;
    long sequence =
        store.write(
            token.tenant(),
            transaction -> {
              long now = clock.wallMillis();
              if (!transaction.resolveReview(id, action, now)) {
                throw HttpFailure.conflict("review item " + id + " is already resolved");
              }
              long seq = 0;
              long hlc = clock.now();
              if (column != null && !action.equals("keep_server")) {
                Optional<StoredRecord> stored =
                    Optional.ofNullable(
                        transaction
                            .load(table.name(), java.util.List.of(item.recordId()))
                            .get(item.recordId()));
                if (stored.isEmpty() || stored.get().deleted()) {
                  throw HttpFailure.conflict(
                      "table '"
                          + table.name()
                          + "', record '"
                          + item.recordId()
                          + "' was deleted; resolve the item with keep_server");
                }
                StoredRecord record = stored.get();
                Map<String, Object> values = new java.util.LinkedHashMap<>(record.values());
                values.put(column.name(), chosen);
                seq = transaction.nextSequence();
                transaction.save(
                    new StoredRecord(
                        table.name(),
                        record.id(),
                        seq,
                        false,
                        values,
                        record.versions().toBuilder()
                            .putFields(
                                column.name(),
                                FieldVersion.newBuilder()
                                    .setSeq(seq)
                                    .setHlc(hlc)
                                    .setDevice(token.device())
                                    .build())
                            .build()));
              }
              JsonObject fields = new JsonObject();
              fields.add(item.column() == null ? "record" : item.column(), toJson(chosen));
              transaction.journal(
                  new JournalEntry(
                      seq,
                      item.table(),
                      item.recordId(),
                      "resolve",
                      fields.toString(),
                      hlc,
                      token.device(),
                      null,
                      "review_" + action));
              return transaction.sequence();
            });
    JsonObject result = new JsonObject();
    result.addProperty("id", id);
    result.addProperty("status", "resolved");
    result.addProperty("resolution", action);
    result.addProperty("sequence", sequence);
    return result.toString();
  }

  private static void requireAdmin(TokenClaims token) {
    if (!token.isAdmin()) {
      throw HttpFailure.forbidden(
          "the review queue needs a token with role 'admin'; this token has role "
              + (token.role() == null ? "none" : "'" + token.role() + "'"));
    }
  }

  private static JsonObject toJson(ReviewItem item) {
    JsonObject json = new JsonObject();
    json.addProperty("id", item.id());
    json.addProperty("table", item.table());
    json.addProperty("record_id", item.recordId());
    json.addProperty("column", item.column());
    json.add("server_value", toJson(item.serverValue()));
    json.add("device_value", toJson(item.deviceValue()));
    json.addProperty("base_seq", item.baseSeq());
    json.addProperty("server_hlc", item.serverHlc());
    json.addProperty("server_device", item.serverDevice());
    json.addProperty("device_hlc", item.deviceHlc());
    json.addProperty("device", item.device());
    json.addProperty("reason", item.reason());
    json.addProperty("created_at", Instant.ofEpochMilli(item.createdAtMillis()).toString());
    json.addProperty("status", item.status());
    json.addProperty("resolution", item.resolution());
    return json;
  }

  private static JsonElement toJson(Object value) {
    if (value == null) {
      return JsonNull.INSTANCE;
    }
    if (value instanceof Number number) {
      return new JsonPrimitive(number);
    }
    if (value instanceof Boolean flag) {
      return new JsonPrimitive(flag);
    }
    return new JsonPrimitive(value.toString());
  }

  private static Object fromJson(JsonElement node) {
    if (node == null || node.isJsonNull()) {
      return null;
    }
    if (node.isJsonPrimitive()) {
      JsonPrimitive primitive = node.getAsJsonPrimitive();
      if (primitive.isBoolean()) {
        return primitive.getAsBoolean();
      }
      if (primitive.isNumber()) {
        BigDecimal number = primitive.getAsBigDecimal();
        try {
          return number.longValueExact();
        } catch (ArithmeticException notWhole) {
          return number.doubleValue();
        }
      }
      return primitive.getAsString();
    }
    return node.toString(); // an object or array for a json column
  }
}
