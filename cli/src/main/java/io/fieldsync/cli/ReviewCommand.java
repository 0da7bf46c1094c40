package io.fieldsync.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.PrintWriter;
import java.net.URI;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "review",
    mixinStandardHelpOptions = true,
    description = "The review queue of conflicts parked for a person (needs an admin token).",
    subcommands = {ReviewCommand.ListItems.class, ReviewCommand.Resolve.class})
final class ReviewCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static class Connection {
    @Option(
        names = "--server",
        defaultValue = "http://127.0.0.1:8787",
        description = "Server URL (default: ${DEFAULT-VALUE})")
    URI server;

    @Option(
        names = "--token",
        defaultValue = "${env:FIELDSYNC_TOKEN}",
        description = "Token with role admin; default: env FIELDSYNC_TOKEN")
    String token;

    AdminClient client() {
      return new AdminClient(server, token);
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists parked conflicts.")
  static final class ListItems implements Callable<Integer> {
    @Spec CommandSpec spec;

    @ArgGroup(exclusive = false)
    Connection connection = new Connection();

    @Option(names = "--all", description = "Include resolved items")
    boolean all;

    @Option(names = "--json", description = "Print the server's JSON")
    boolean json;

    @Override
    public Integer call() {
      JsonElement body = connection.client().list(all);
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        out.println(body);
        return 0;
      }
      JsonArray items =
          body.isJsonArray()
              ? body.getAsJsonArray()
              : body.getAsJsonObject().getAsJsonArray("items");
      if (items == null || items.isEmpty()) {
        out.println(all ? "the review queue is empty" : "no open review items");
        return 0;
      }
      for (JsonElement element : items) {
        JsonObject item = element.getAsJsonObject();
        out.printf(
            "#%s %s %s.%s[%s] %s%n    server: %s (device %s, hlc %s)%n"
                + "    device: %s (device %s, hlc %s, based on sequence %s)%n"
                + "    reason: %s, parked %s%n",
            text(item, "id"),
            text(item, "status"),
            text(item, "table"),
            text(item, "record_id"),
            text(item, "column"),
            item.has("resolution") && !item.get("resolution").isJsonNull()
                ? "→ " + text(item, "resolution")
                : "",
            item.get("server_value"),
            text(item, "server_device"),
            text(item, "server_hlc"),
            item.get("device_value"),
            text(item, "device"),
            text(item, "device_hlc"),
            text(item, "base_seq"),
            text(item, "reason"),
            text(item, "created_at"));
      }
      return 0;
    }

    private static String text(JsonObject item, String key) {
      JsonElement value = item.get(key);
      return value == null || value.isJsonNull() ? "-" : value.getAsString();
    }
  }

  @Command(
      name = "resolve",
      mixinStandardHelpOptions = true,
      description = "Resolves a parked conflict; the result syncs to every device.")
  static final class Resolve implements Callable<Integer> {
    @Spec CommandSpec spec;

    @ArgGroup(exclusive = false)
    Connection connection = new Connection();

    @Parameters(index = "0", description = "Review item id")
    long id;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Action action;

    static final class Action {
      @Option(names = "--keep-server", description = "Keep the server's value")
      boolean keepServer;

      @Option(names = "--take-device", description = "Take the device's value")
      boolean takeDevice;

      @Option(
          names = "--set",
          paramLabel = "JSON",
          description = "Set this value (JSON, e.g. '\"text\"' or 42)")
      String set;
    }

    @Override
    public Integer call() {
      JsonObject request = new JsonObject();
      if (action.keepServer) {
        request.addProperty("action", "keep_server");
      } else if (action.takeDevice) {
        request.addProperty("action", "take_device");
      } else {
        request.addProperty("action", "set");
        try {
          request.add("value", JsonParser.parseString(action.set));
        } catch (RuntimeException e) {
          throw new IllegalArgumentException(
              "--set takes a JSON value (quote text: '\"new text\"'), found " + action.set);
        }
      }
      JsonElement body = connection.client().resolve(id, request);
      spec.commandLine().getOut().println("resolved: " + body);
      return 0;
    }
  }
}
