package io.fieldsync.testkit;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** The review queue of a tenant over the server's HTTP API, as an admin sees it. Thread-safe. */
public final class ReviewConsole {
  private final URI server;
  private final String adminToken;
  private final HttpClient http = HttpClient.newHttpClient();

  ReviewConsole(URI server, String adminToken) {
    this.server = server;
    this.adminToken = adminToken;
  }

  /**
   * The open review items, as {@code GET /v1/review} lists them.
   *
   * @throws AssertionError when the server does not answer 200
   */
  public JsonArray items() throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(request("/v1/review").GET().build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new AssertionError(
          "GET /v1/review returned " + response.statusCode() + ": " + response.body());
    }
    return JsonParser.parseString(response.body()).getAsJsonObject().getAsJsonArray("items");
  }

  /**
   * The one open review item.
   *
   * @throws AssertionError when there is none or several
   */
  public JsonObject onlyItem() throws IOException, InterruptedException {
    JsonArray items = items();
    if (items.size() != 1) {
      throw new AssertionError("expected one review item, found " + items);
    }
    return items.get(0).getAsJsonObject();
  }

  /** Resolves an item, e.g. with {@code {"action":"keep_server"}}; returns the raw answer. */
  public HttpResponse<String> resolve(long item, String json)
      throws IOException, InterruptedException {
    return http.send(
        request("/v1/review/" + item + "/resolve")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(server.resolve(path))
        .header("Authorization", "Bearer " + adminToken);
  }
}
