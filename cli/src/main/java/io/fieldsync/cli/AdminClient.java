package io.fieldsync.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fieldsync.AuthException;
import io.fieldsync.ProtocolException;
import io.fieldsync.TransportException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Talks to the server's admin endpoints (review queue, token revocation) with an admin token. */
final class AdminClient {
  private final URI server;
  private final String token;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  AdminClient(URI server, String token) {
    if (token == null || token.isBlank()) {
      throw new AuthException(
          "this command needs an admin token: pass --token or set FIELDSYNC_TOKEN (fieldsync"
              + " token create --role admin …)");
    }
    this.server = server;
    this.token = token;
  }

  JsonElement list(boolean all) {
    return send(
        HttpRequest.newBuilder(server.resolve("/v1/review" + (all ? "?all=true" : ""))).GET());
  }

  /** Resolves an item; {@code action} is {@code {"action": ..., "value": ...}}. */
  JsonElement resolve(long id, JsonObject action) {
    return send(
        HttpRequest.newBuilder(server.resolve("/v1/review/" + id + "/resolve"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(action.toString())));
  }

  /** Refuses the device's tokens issued until now. */
  JsonElement revoke(String device) {
    JsonObject body = new JsonObject();
    body.addProperty("device", device);
    return send(
        HttpRequest.newBuilder(server.resolve("/v1/admin/revoke"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
  }

  private JsonElement send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response =
          http.send(
              request
                  .header("Authorization", "Bearer " + token)
                  .header("Accept", "application/json")
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      JsonElement body = JsonParser.parseString(response.body());
      if (response.statusCode() / 100 != 2) {
        String message =
            body.isJsonObject() && body.getAsJsonObject().has("message")
                ? body.getAsJsonObject().get("message").getAsString()
                : response.body();
        if (response.statusCode() == 401 || response.statusCode() == 403) {
          throw new AuthException("server refused (" + response.statusCode() + "): " + message);
        }
        throw new ProtocolException("server answered " + response.statusCode() + ": " + message);
      }
      return body;
    } catch (IOException e) {
      throw new TransportException("cannot reach " + server + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransportException("interrupted while talking to " + server, e);
    }
  }
}
