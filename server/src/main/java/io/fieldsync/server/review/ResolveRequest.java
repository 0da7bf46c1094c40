package io.fieldsync.server.review;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.fieldsync.ProtocolException;
import io.fieldsync.server.MessageText;
import java.util.Set;

/**
 * The body of {@code POST /v1/review/{id}/resolve}: {@code {"action": "keep_server"}}, {@code
 * take_device}, or {@code set} with a {@code value}.
 *
 * @param value the value to set; null unless the action is {@code set}
 */
record ResolveRequest(String action, JsonElement value) {
  static final Set<String> ACTIONS = Set.of("keep_server", "take_device", "set");

  /**
   * @throws ProtocolException naming what is wrong with the body
   */
  static ResolveRequest parse(String body) {
    JsonObject request;
    try {
      JsonElement parsed = JsonParser.parseString(body);
      if (!parsed.isJsonObject()) {
        throw new ProtocolException(
            "resolve needs a JSON object such as {\"action\":\"keep_server\"}");
      }
      request = parsed.getAsJsonObject();
    } catch (JsonParseException e) {
      throw new ProtocolException(
          "body is not valid JSON: " + MessageText.withoutClassNames(e.getMessage()));
    }
    for (String key : request.keySet()) {
      if (!key.equals("action") && !key.equals("value")) {
        throw new ProtocolException(
            "unknown field '" + MessageText.abbreviate(key) + "'; expected action and value");
      }
    }
    JsonElement actionNode = request.get("action");
    String action =
        actionNode != null && actionNode.isJsonPrimitive() ? actionNode.getAsString() : null;
    if (action == null || !ACTIONS.contains(action)) {
      throw new ProtocolException(
          "action must be keep_server, take_device or set, found "
              + (actionNode == null ? "nothing" : MessageText.abbreviate(actionNode.toString())));
    }
    if (action.equals("set") != request.has("value")) {
      throw new ProtocolException(
          action.equals("set") ? "action set needs a value" : "only action set takes a value");
    }
    return new ResolveRequest(action, request.get("value"));
  }
}
