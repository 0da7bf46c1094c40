package io.fieldsync.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.fieldsync.client.ConflictExplanation;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.ParkedEdit;
import io.fieldsync.client.RejectedChange;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "rejected",
    mixinStandardHelpOptions = true,
    description =
        "The changes the server refused (or, with --parked, this device's edits it parked for"
            + " review): list, discard or retry them.",
    subcommands = {
      ClientRejectedCommand.ListEntries.class,
      ClientRejectedCommand.Discard.class,
      ClientRejectedCommand.Retry.class
    })
final class ClientRejectedCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static class Entries {
    @Option(names = "--db", required = true, description = "Device database file")
    Path db;

    @Option(
        names = "--parked",
        description = "Parked edits (kept for a coordinator's review) instead of refused changes")
    boolean parked;

    @picocli.CommandLine.Mixin KeyFileOption key = new KeyFileOption();

    String kind() {
      return parked ? "parked edit" : "rejected change";
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Lists the entries, oldest first, each with what happened to every field.")
  static final class ListEntries implements Callable<Integer> {
    @Spec CommandSpec spec;

    @picocli.CommandLine.Mixin Entries entries = new Entries();

    @Option(names = "--json", description = "Print a JSON array (fields: docs/scripting.md)")
    boolean json;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (FieldSyncClient client = entries.key.open(entries.db)) {
        JsonArray array = new JsonArray();
        if (entries.parked) {
          for (ParkedEdit edit : client.parked().list()) {
            JsonObject entry = entry(edit.id(), edit.table(), edit.recordId(), null, edit.reason());
            entry.addProperty("column", edit.column());
            entry.addProperty("device_value", edit.deviceValue());
            entry.addProperty("at", edit.at().toString());
            entry.add("explanations", explanations(List.of(edit.explanation())));
            array.add(entry);
            if (!json) {
              out.printf(
                  "#%d parked %s %s%s at %s%n",
                  edit.id(),
                  edit.table(),
                  edit.recordId(),
                  edit.column() == null ? "" : " " + edit.column(),
                  edit.at());
              print(out, List.of(edit.explanation()));
            }
          }
        } else {
          for (RejectedChange change : client.rejected().list()) {
            JsonObject entry =
                entry(change.id(), change.table(), change.recordId(), change.op(), change.reason());
            entry.addProperty("values", change.values());
            entry.addProperty("batch_id", change.batchId());
            entry.addProperty("at", change.at().toString());
            entry.add("explanations", explanations(change.explanations()));
            array.add(entry);
            if (!json) {
              out.printf(
                  "#%d rejected %s %s %s at %s%n",
                  change.id(), change.op(), change.table(), change.recordId(), change.at());
              if (change.explanations().isEmpty()) {
                out.printf("    %s%n", change.reason());
              }
              print(out, change.explanations());
            }
          }
        }
        if (json) {
          out.println(new GsonBuilder().serializeNulls().create().toJson(array));
        } else if (array.isEmpty()) {
          out.printf("no %ss%n", entries.kind());
        }
      }
      return 0;
    }

    private static JsonObject entry(
        long id, String table, String recordId, String op, String reason) {
      JsonObject entry = new JsonObject();
      entry.addProperty("id", id);
      if (op != null) {
        entry.addProperty("op", op);
      }
      entry.addProperty("table", table);
      entry.addProperty("record_id", recordId);
      entry.addProperty("reason", reason);
      return entry;
    }

    private static JsonArray explanations(List<ConflictExplanation> explanations) {
      JsonArray array = new JsonArray();
      for (ConflictExplanation explanation : explanations) {
        JsonObject json = new JsonObject();
        json.addProperty("outcome", explanation.outcome().name().toLowerCase(Locale.ROOT));
        json.addProperty("column", explanation.column());
        json.addProperty("strategy", explanation.strategy());
        json.addProperty("device_value", explanation.deviceValue());
        json.addProperty("winning_value", explanation.winningValue());
        json.addProperty("message", explanation.message());
        array.add(json);
      }
      return array;
    }

    private static void print(PrintWriter out, List<ConflictExplanation> explanations) {
      for (ConflictExplanation explanation : explanations) {
        out.printf("    %s%n", explanation.message());
        out.printf(
            "      %s: yours %s, the server's %s (%s)%n",
            explanation.column() == null ? "record" : explanation.column(),
            explanation.deviceValue(),
            explanation.winningValue(),
            explanation.strategy());
      }
    }
  }

  /** Discard or retry: one entry, by id. */
  abstract static class EntryAction implements Callable<Integer> {
    @Spec CommandSpec spec;

    @picocli.CommandLine.Mixin Entries entries = new Entries();

    @Parameters(paramLabel = "ID", description = "The entry's id, as `list` shows it")
    long id;

    abstract void rejected(FieldSyncClient client);

    abstract void parked(FieldSyncClient client);

    abstract String done();

    @Override
    public Integer call() {
      try (FieldSyncClient client = entries.key.open(entries.db)) {
        if (entries.parked) {
          parked(client);
        } else {
          rejected(client);
        }
      }
      spec.commandLine().getOut().printf(done(), entries.kind(), id);
      return 0;
    }
  }

  @Command(
      name = "discard",
      mixinStandardHelpOptions = true,
      description =
          "Forgets an entry. The device already shows the server's values; a parked item stays in"
              + " the server's review queue.")
  static final class Discard extends EntryAction {
    @Override
    void rejected(FieldSyncClient client) {
      client.rejected().discard(id);
    }

    @Override
    void parked(FieldSyncClient client) {
      client.parked().discard(id);
    }

    @Override
    String done() {
      return "discarded %s #%d%n";
    }
  }

  @Command(
      name = "retry",
      mixinStandardHelpOptions = true,
      description =
          "Writes the entry's edit into the local row again, so the next sync pushes it (`fieldsync"
              + " client sync`).")
  static final class Retry extends EntryAction {
    @Override
    void rejected(FieldSyncClient client) {
      client.rejected().retry(id);
    }

    @Override
    void parked(FieldSyncClient client) {
      client.parked().retry(id);
    }

    @Override
    String done() {
      return "queued %s #%d again; the next sync pushes it%n";
    }
  }
}
