package io.fieldsync.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.fieldsync.client.ParkedEdit;
import io.fieldsync.client.RejectedChange;
import io.fieldsync.client.SyncResult;
import io.fieldsync.client.SyncStatus;
import io.fieldsync.client.WorkerStatus;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The one JSON object {@code client sync --json} and {@code client status --json} print, with the
 * fields docs/scripting.md lists: snake_case names, times as ISO-8601 text, null where a value is
 * unknown.
 */
final class ClientJson {
  private static final Gson GSON = new GsonBuilder().serializeNulls().create();

  private ClientJson() {}

  static String of(SyncResult result) {
    JsonObject json = new JsonObject();
    json.addProperty("pushed", result.pushed());
    json.addProperty("applied", result.applied());
    json.addProperty("merged", result.merged());
    json.addProperty("rejected", result.rejected());
    json.addProperty("parked", result.parked());
    json.addProperty("pulled", result.pulled());
    json.addProperty("conflicts", result.conflicts());
    json.addProperty("cursor", result.cursor());
    json.addProperty("duration_ms", result.duration().toMillis());
    return GSON.toJson(json);
  }

  static String of(
      SyncStatus status,
      WorkerStatus worker,
      List<RejectedChange> rejected,
      List<ParkedEdit> parked) {
    JsonObject json = new JsonObject();
    json.addProperty("device", status.device());
    json.addProperty("tenant", status.tenant());
    json.addProperty("schema_version", status.schemaVersion());
    json.addProperty("cursor", status.cursor());
    json.addProperty("pending", status.pending());
    json.addProperty("rejected", status.rejected());
    json.addProperty("last_sync_at", text(status.lastSyncAt()));
    json.addProperty("last_error", status.lastError());
    JsonObject workerJson = new JsonObject();
    workerJson.addProperty("state", worker.state().name().toLowerCase(Locale.ROOT));
    workerJson.addProperty("online", worker.online());
    workerJson.addProperty("live", worker.live());
    workerJson.addProperty("server_sequence", worker.serverSequence());
    workerJson.addProperty("lag", worker.lag());
    workerJson.addProperty("last_success_at", text(worker.lastSuccessAt()));
    workerJson.addProperty("last_error", worker.lastError());
    workerJson.addProperty("next_retry_at", text(worker.nextRetryAt()));
    workerJson.addProperty("stuck", worker.stuck());
    workerJson.addProperty("stop_reason", worker.stopReason());
    json.add("worker", workerJson);
    JsonArray rejectedJson = new JsonArray();
    for (RejectedChange change : rejected) {
      JsonObject entry = new JsonObject();
      entry.addProperty("op", change.op());
      entry.addProperty("table", change.table());
      entry.addProperty("record_id", change.recordId());
      entry.addProperty("values", change.values());
      entry.addProperty("reason", change.reason());
      entry.addProperty("batch_id", change.batchId());
      entry.addProperty("at", text(change.at()));
      rejectedJson.add(entry);
    }
    json.add("rejected_changes", rejectedJson);
    JsonArray parkedJson = new JsonArray();
    for (ParkedEdit edit : parked) {
      JsonObject entry = new JsonObject();
      entry.addProperty("table", edit.table());
      entry.addProperty("record_id", edit.recordId());
      entry.addProperty("column", edit.column());
      entry.addProperty("device_value", edit.deviceValue());
      entry.addProperty("reason", edit.reason());
      entry.addProperty("at", text(edit.at()));
      parkedJson.add(entry);
    }
    json.add("parked_edits", parkedJson);
    return GSON.toJson(json);
  }

  private static String text(Instant at) {
    return at == null ? null : at.toString();
  }
}
