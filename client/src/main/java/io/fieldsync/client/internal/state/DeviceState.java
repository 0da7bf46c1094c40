package io.fieldsync.client.internal.state;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import com.google.gson.reflect.TypeToken;
import com.google.protobuf.InvalidProtocolBufferException;
import io.fieldsync.ConfigException;
import io.fieldsync.StorageException;
import io.fieldsync.wire.SchemaDef;
import java.net.URI;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The device database's typed sync state: the {@code _fs_state} row (clock, device, cursor, capture
 * switch) and the {@code _fs_meta} entries (server, token, CA certificates, tenant, schema, layout,
 * pull run, own writes, worker and snapshot progress). Every key of {@code _fs_meta} is named here
 * and nowhere else. Lists are stored as JSON.
 *
 * <p>Reads and writes go through the connection it was made for, inside or outside the caller's
 * transaction. Not thread-safe, like the connection.
 */
public final class DeviceState {
  /** The most own-write ranges kept; dropping the oldest only means receiving those writes. */
  public static final int MAX_OWN_WRITES = 64;

  static final String SERVER = "server_url";
  static final String SERVERS = "server_urls";
  static final String TOKEN = "token";
  static final String CA_CERTIFICATES = "ca_certificates";
  static final String TENANT = "tenant";
  static final String SCHEMA = "schema";
  static final String SCHEMA_VERSION = "schema_version";
  static final String LAST_SYNC_AT = "last_sync_at";
  static final String DEVICE_BATCHES = "device_batches";
  static final String LAYOUT_KEY = "layout";
  static final String PULL_SINCE = "pull_since";
  static final String OWN_WRITES = "own_writes";
  static final String HELD_THROUGH = "held_through";
  static final String VERIFY_REQUESTED = "verify_requested";
  static final String WORKER_LAST_ERROR = "worker_last_error";
  static final String WORKER_SERVER_SEQUENCE = "worker_server_sequence";
  static final String SNAPSHOT_CURSOR = "snapshot_cursor";
  static final String SNAPSHOT_SEQUENCE = "snapshot_sequence";
  static final String SNAPSHOT_DONE = "snapshot_done";
  static final String SNAPSHOT_TOTAL = "snapshot_total";
  static final String SCHEMA_REPAIR = "schema_repair";

  private static final Gson GSON = new Gson();

  /** Where an unfinished snapshot stands. */
  public record SnapshotProgress(long cursor, long sequence, long done, long total) {}

  private final Jdbc jdbc;

  public DeviceState(Connection connection) {
    this.jdbc = new Jdbc(connection);
  }

  /** Whether {@code _fs_state} exists and holds its row. */
  public boolean exists() throws SQLException {
    return jdbc.longValue(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_fs_state'")
            == 1
        && jdbc.longValue("SELECT count(*) FROM _fs_state WHERE id = 1") == 1;
  }

  /** Writes the state row of a new database: capture on, cursor 0, clock at the server's. */
  public void create(String device, long serverHlc) throws SQLException {
    jdbc.update(
        "INSERT INTO _fs_state (id, hlc, device, capture, cursor) VALUES (1, ?, ?, 1, 0)",
        Math.max(0, serverHlc),
        device);
  }

  public String device() throws SQLException {
    return jdbc.first("SELECT device FROM _fs_state WHERE id = 1", row -> row.getString(1));
  }

  /** The last server sequence applied. */
  public long cursor() throws SQLException {
    return jdbc.longValue("SELECT cursor FROM _fs_state WHERE id = 1");
  }

  /** The clock's last stamp: the newer of the log's last row and the merged floor. */
  public long hlc() throws SQLException {
    return jdbc.longValue(
        "SELECT max(hlc, coalesce((SELECT hlc FROM _fs_changelog ORDER BY id DESC LIMIT 1), 0))"
            + " FROM _fs_state WHERE id = 1");
  }

  /**
   * The newest capture stamp: the log's last row, or the stamp of the last row drained once acks
   * emptied the log. Only local writes move it.
   */
  public long writeMark() throws SQLException {
    return jdbc.longValue(
        "SELECT max(coalesce((SELECT hlc FROM _fs_changelog ORDER BY id DESC LIMIT 1), 0),"
            + " drained) FROM _fs_state");
  }

  /**
   * Merges the server's clock and turns capture off, so what the library writes next is not logged
   * as a local edit. Call inside a transaction that ends with {@link #captureOn}.
   */
  public void captureOff(long serverHlc) throws SQLException {
    jdbc.update("UPDATE _fs_state SET hlc = MAX(hlc, ?), capture = 0 WHERE id = 1", serverHlc);
  }

  /** Turns capture off without touching the clock. */
  public void captureOff() throws SQLException {
    jdbc.update("UPDATE _fs_state SET capture = 0 WHERE id = 1");
  }

  public void captureOn() throws SQLException {
    jdbc.update("UPDATE _fs_state SET capture = 1 WHERE id = 1");
  }

  /** Turns capture back on and moves the cursor, in the transaction that applied up to it. */
  public void captureOn(long cursor) throws SQLException {
    jdbc.update("UPDATE _fs_state SET cursor = ?, capture = 1 WHERE id = 1", cursor);
  }

  public String tenant() throws SQLException {
    return text(TENANT);
  }

  public String token() throws SQLException {
    return text(TOKEN);
  }

  /** The server nodes stored at init: the list, else the single URL, else none. */
  public List<URI> servers() throws SQLException {
    String several = text(SERVERS);
    List<URI> urls = new ArrayList<>();
    if (several != null && !several.trim().isEmpty()) {
      for (String url : fromJson(SERVERS, several, new TypeToken<List<String>>() {})) {
        urls.add(URI.create(url));
      }
    } else {
      String one = text(SERVER);
      if (one != null) {
        urls.add(URI.create(one));
      }
    }
    return urls;
  }

  /**
   * Stores the identity a new database syncs with. {@code server_url} keeps the first node, so
   * readers that know only one URL still work; a longer list goes to {@code server_urls}.
   */
  public void storeIdentity(List<URI> servers, String token, String tenant) throws SQLException {
    put(SERVER, servers == null || servers.isEmpty() ? null : servers.get(0).toString());
    if (servers != null && servers.size() > 1) {
      put(SERVERS, GSON.toJson(servers.stream().map(URI::toString).collect(Collectors.toList())));
    }
    put(TOKEN, token);
    put(TENANT, tenant);
  }

  /** Replaces the stored token (a fresh one from the application's token provider). */
  public void storeToken(String token) throws SQLException {
    put(TOKEN, token);
  }

  /** Removes the stored token: the database can be opened again only with a token given. */
  public void forgetToken() throws SQLException {
    jdbc.update("DELETE FROM _fs_meta WHERE key = ?", TOKEN);
  }

  /** The PEM text of the CA certificates trusted besides the system's, or null. */
  public String caCertificates() throws SQLException {
    return text(CA_CERTIFICATES);
  }

  public void storeCaCertificates(String pem) throws SQLException {
    put(CA_CERTIFICATES, pem);
  }

  /** The schema stored at initialization or the last migration. */
  public SchemaDef schemaDef() throws SQLException {
    Object bytes = value(SCHEMA);
    if (!(bytes instanceof byte[] raw)) {
      throw new ConfigException("local database has no stored schema; initialize it first");
    }
    try {
      return SchemaDef.parseFrom(raw);
    } catch (InvalidProtocolBufferException e) {
      throw new StorageException("stored schema in _fs_meta is corrupt: " + e.getMessage(), e);
    }
  }

  public void storeSchema(SchemaDef def, int version) throws SQLException {
    put(SCHEMA, def.toByteArray());
    put(SCHEMA_VERSION, (long) version);
  }

  /**
   * Whether rows may lack values of a schema move (columns or tables the device gained after
   * records with values in them may have been pulled past), to be compared with the server and
   * repaired by the next sync.
   */
  public boolean schemaRepairPending() throws SQLException {
    return number(SCHEMA_REPAIR) != 0;
  }

  public void storeSchemaRepairPending(boolean pending) throws SQLException {
    if (pending) {
      put(SCHEMA_REPAIR, 1L);
    } else {
      jdbc.update("DELETE FROM _fs_meta WHERE key = ?", SCHEMA_REPAIR);
    }
  }

  /** The layout of the internal tables; a database without one is of layout 1. */
  public long layout() throws SQLException {
    return value(LAYOUT_KEY) instanceof Long number ? number : 1;
  }

  public void storeLayout(long layout) throws SQLException {
    put(LAYOUT_KEY, layout);
  }

  public Instant lastSyncAt() throws SQLException {
    return value(LAST_SYNC_AT) instanceof Long millis ? Instant.ofEpochMilli(millis) : null;
  }

  public void storeLastSyncAt(Instant at) throws SQLException {
    put(LAST_SYNC_AT, at.toEpochMilli());
  }

  /** Batches this database has made ({@code PushRequest.device_batch} of the last one). */
  public long deviceBatches() throws SQLException {
    return number(DEVICE_BATCHES);
  }

  public void storeDeviceBatches(long batches) throws SQLException {
    put(DEVICE_BATCHES, batches);
  }

  /**
   * The cursor at which the current run of pull pages began: up to it this database holds every
   * record whole (see {@code PullRequest.since}); 0 when no run has finished.
   */
  public long pullSince() throws SQLException {
    return number(PULL_SINCE);
  }

  public void storePullSince(long cursor) throws SQLException {
    put(PULL_SINCE, cursor);
  }

  /** The {@code written} ranges of acknowledged pushes not yet pulled past, oldest first. */
  public List<WriteRange> ownWrites() throws SQLException {
    String json = text(OWN_WRITES);
    if (json == null || json.isEmpty()) {
      return new ArrayList<>();
    }
    return new ArrayList<>(fromJson(OWN_WRITES, json, new TypeToken<List<WriteRange>>() {}));
  }

  /**
   * Adds what an acknowledged push wrote to the own-write ranges. A range that continues the newest
   * one joins it: a device pushing many batches in a row keeps one range instead of pushing its
   * oldest batches out of the {@link #MAX_OWN_WRITES} kept, which would make the next pull bring
   * those records back.
   */
  public void addOwnWrite(WriteRange range) throws SQLException {
    List<WriteRange> ranges = ownWrites();
    WriteRange newest = ranges.isEmpty() ? null : ranges.get(ranges.size() - 1);
    if (newest != null && range.first() <= newest.last() + 1 && range.last() >= newest.first()) {
      ranges.set(
          ranges.size() - 1,
          new WriteRange(
              Math.min(newest.first(), range.first()), Math.max(newest.last(), range.last())));
    } else {
      ranges.add(range);
    }
    storeOwnWrites(ranges);
  }

  /** Stores the newest {@link #MAX_OWN_WRITES} of {@code ranges}. */
  public void storeOwnWrites(List<WriteRange> ranges) throws SQLException {
    put(
        OWN_WRITES,
        GSON.toJson(ranges.subList(Math.max(0, ranges.size() - MAX_OWN_WRITES), ranges.size())));
  }

  /** Why the server asked this device to verify its rows, or null when it did not. */
  public String verifyRequested() throws SQLException {
    return text(VERIFY_REQUESTED);
  }

  /** Keeps the server's request to verify until a verify has run; null clears it. */
  public void storeVerifyRequested(String reason) throws SQLException {
    if (reason == null) {
      jdbc.update("DELETE FROM _fs_meta WHERE key = ?", VERIFY_REQUESTED);
    } else {
      put(VERIFY_REQUESTED, reason);
    }
  }

  /**
   * The highest sequence of a record this database received other than through pull pages (push
   * answers, verify repairs); 0 when none (see {@code PullRequest.held_through}).
   */
  public long heldThrough() throws SQLException {
    return number(HELD_THROUGH);
  }

  /** Raises {@link #heldThrough()} to {@code seq} when it is higher. */
  public void raiseHeldThrough(long seq) throws SQLException {
    if (seq > heldThrough()) {
      put(HELD_THROUGH, seq);
    }
  }

  public String workerLastError() throws SQLException {
    return text(WORKER_LAST_ERROR);
  }

  /** The server sequence the worker last heard of, 0 when none. */
  public long workerServerSequence() throws SQLException {
    return number(WORKER_SERVER_SEQUENCE);
  }

  public void storeWorkerStatus(String lastError, long serverSequence) throws SQLException {
    put(WORKER_LAST_ERROR, lastError);
    put(WORKER_SERVER_SEQUENCE, serverSequence);
  }

  /** The unfinished snapshot's progress, or null when none was started or it finished. */
  public SnapshotProgress snapshot() throws SQLException {
    if (value(SNAPSHOT_CURSOR) == null) {
      return null;
    }
    return new SnapshotProgress(
        number(SNAPSHOT_CURSOR),
        number(SNAPSHOT_SEQUENCE),
        number(SNAPSHOT_DONE),
        number(SNAPSHOT_TOTAL));
  }

  public void storeSnapshot(SnapshotProgress progress) throws SQLException {
    put(SNAPSHOT_CURSOR, progress.cursor());
    put(SNAPSHOT_SEQUENCE, progress.sequence());
    put(SNAPSHOT_DONE, progress.done());
    put(SNAPSHOT_TOTAL, progress.total());
  }

  public void clearSnapshot() throws SQLException {
    jdbc.update(
        "DELETE FROM _fs_meta WHERE key IN (?, ?, ?, ?)",
        SNAPSHOT_CURSOR,
        SNAPSHOT_SEQUENCE,
        SNAPSHOT_DONE,
        SNAPSHOT_TOTAL);
  }

  /** Rewrites the text formats of layout 3 and older (own writes, server list) as JSON. */
  public void convertTextListsToJson() throws SQLException {
    String several = text(SERVERS);
    if (several != null && !several.trim().isEmpty() && !several.startsWith("[")) {
      List<String> urls = new ArrayList<>();
      for (String line : several.split("\n")) {
        if (!line.trim().isEmpty()) {
          urls.add(line.trim());
        }
      }
      put(SERVERS, GSON.toJson(urls));
    }
    String writes = text(OWN_WRITES);
    if (writes != null && !writes.startsWith("[")) {
      List<WriteRange> ranges = new ArrayList<>();
      for (String pair : writes.isEmpty() ? new String[0] : writes.split(",")) {
        int dash = pair.indexOf('-');
        try {
          ranges.add(
              new WriteRange(
                  Long.parseLong(pair.substring(0, dash)),
                  Long.parseLong(pair.substring(dash + 1))));
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
          throw new StorageException("_fs_meta " + OWN_WRITES + " is corrupt: '" + writes + "'", e);
        }
      }
      storeOwnWrites(ranges);
    }
  }

  private <T> T fromJson(String key, String json, TypeToken<T> type) {
    try {
      T value = GSON.fromJson(json, type);
      if (value == null) {
        throw new JsonParseException("null");
      }
      return value;
    } catch (JsonParseException | IllegalArgumentException e) {
      throw new StorageException("_fs_meta " + key + " is corrupt: '" + json + "'", e);
    }
  }

  private Object value(String key) throws SQLException {
    return jdbc.first(
        "SELECT value FROM _fs_meta WHERE key = ?", row -> Jdbc.normalize(row.getObject(1)), key);
  }

  private long number(String key) throws SQLException {
    return value(key) instanceof Number number ? number.longValue() : 0;
  }

  private String text(String key) throws SQLException {
    Object value = value(key);
    return value == null ? null : value.toString();
  }

  private void put(String key, Object value) throws SQLException {
    jdbc.update(
        "INSERT INTO _fs_meta (key, value) VALUES (?, ?)"
            + " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        key,
        value);
  }
}
