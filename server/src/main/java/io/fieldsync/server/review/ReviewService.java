package io.fieldsync.server.review;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fieldsync.ConflictException;
import io.fieldsync.NotFoundException;
import io.fieldsync.ProtocolException;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.server.MessageText;
import io.fieldsync.server.ServerClock;
import io.fieldsync.server.TokenClaims;
import io.fieldsync.server.push.ScopeInheritance;
import io.fieldsync.store.JournalEntry;
import io.fieldsync.store.ReviewItem;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.WriteTransaction;
import io.fieldsync.wire.FieldVersion;
import io.fieldsync.wire.RecordVersions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The review queue, for tokens with role {@code admin}. Resolving an item that takes the device's
 * value or sets a new one is an ordinary change: it gets the next sequence and a journal entry, so
 * it reaches every device on its next pull. Thread-safe.
 */
public final class ReviewService {
  private final SyncStore store;
  private final Schema schema;
  private final ServerClock clock;

  public ReviewService(SyncStore store, Schema schema, ServerClock clock) {
    this.store = store;
    this.schema = schema;
    this.clock = clock;
  }

  public String list(TokenClaims token, boolean all) {
    token.requireAdmin("the review queue");
    JsonArray items = new JsonArray();
    for (ReviewItem item : store.reviewItems(token.tenant(), all)) {
      items.add(ReviewJson.item(item));
    }
    JsonObject body = new JsonObject();
    body.add("items", items);
    return body.toString();
  }

  public String resolve(TokenClaims token, long id, String body) {
    token.requireAdmin("the review queue");
    ResolveRequest request = ResolveRequest.parse(body);
    String action = request.action();
    ReviewItem item =
        store
            .reviewItem(token.tenant(), id)
            .orElseThrow(() -> new NotFoundException("review item " + id + " not found"));
    Table table = schema.table(item.table());
    Column column = table == null || item.column() == null ? null : table.column(item.column());
    if (table == null) {
      throw new ProtocolException(
          "review item " + id + " is of table '" + item.table() + "', which the schema lacks");
    }
    if (item.column() == null) {
      if (action.equals("set")) {
        throw new ProtocolException(
            "review item "
                + id
                + " holds a whole record of '"
                + item.table()
                + "'; resolve it with keep_server or take_device");
      }
      return resolveRecord(token, item, table, action);
    }
    Object value = null;
    if (!action.equals("keep_server")) {
      if (column == null) {
        throw new ProtocolException(
            "review item "
                + id
                + " is not a single field of a known table; only keep_server"
                + " resolves it");
      }
      try {
        value =
            action.equals("set")
                ? column.type().coerce(ReviewJson.fromJson(request.value()))
                : column.type().coerce(item.deviceValue());
      } catch (IllegalArgumentException e) {
        throw new ProtocolException(
            "table '" + item.table() + "', column '" + item.column() + "': " + e.getMessage());
      }
      if (value == null && column.required()) {
        throw new ProtocolException(
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
                throw new ConflictException("review item " + id + " is already resolved");
              }
              long hlc = clock.now();
              StoredRecord record =
                  column == null
                      ? null
                      : transaction
                          .load(table.name(), List.of(item.recordId()))
                          .get(item.recordId());
              boolean gone = record == null || record.deleted();
              if (gone && !action.equals("keep_server")) {
                throw new ConflictException(
                    "table '"
                        + table.name()
                        + "', record '"
                        + item.recordId()
                        + "' was deleted; resolve the item with keep_server");
              }
              if (gone) {
                return journalResolution(transaction, item, action, null, 0, hlc, token);
              }
              // keep_server rewrites the kept value too: the resolution is an ordinary change
              // that every device pulls, and the parking device learns its edit is settled.
              Map<String, Object> values = new LinkedHashMap<>(record.values());
              Object written = action.equals("keep_server") ? values.get(column.name()) : chosen;
              values.put(column.name(), written);
              long seq = transaction.nextSequence();
              transaction.save(
                  new StoredRecord(
                      table.name(),
                      record.id(),
                      seq,
                      false,
                      values,
                      record.versions().toBuilder()
                          .putFields(column.name(), version(seq, hlc, token))
                          .build()));
              ScopeInheritance.afterWrite(
                  transaction, schema, token.device(), now, table, record.id(), record);
              return journalResolution(transaction, item, action, written, seq, hlc, token);
            });
    return resolved(id, action, sequence);
  }

  private static String resolved(long id, String action, long sequence) {
    JsonObject result = new JsonObject();
    result.addProperty("id", id);
    result.addProperty("status", "resolved");
    result.addProperty("resolution", action);
    result.addProperty("sequence", sequence);
    return result.toString();
  }

  private static FieldVersion version(long seq, long hlc, TokenClaims token) {
    return FieldVersion.newBuilder().setSeq(seq).setHlc(hlc).setDevice(token.device()).build();
  }

  private static long journalResolution(
      WriteTransaction transaction,
      ReviewItem item,
      String action,
      Object written,
      long seq,
      long hlc,
      TokenClaims token) {
    JsonObject fields = new JsonObject();
    if (item.column() != null) {
      fields.add(item.column(), ReviewJson.toJson(written));
    } else if (written instanceof String json) {
      fields.add("record", JsonParser.parseString(json));
    }
    transaction.journal(
        new JournalEntry(
            seq,
            item.table(),
            item.recordId(),
            "resolve",
            fields.size() == 0 ? null : fields.toString(),
            hlc,
            token.device(),
            null,
            "review_" + action));
    return transaction.sequence();
  }

  /**
   * Resolves an item that holds a whole record (column null).
   *
   * <p>A parked child (its parent was deleted; device value = the child's fields as JSON): {@code
   * take_device} writes the child with the device's fields and brings back any parent that is a
   * tombstone; {@code keep_server} leaves the parent deleted and writes the child as a tombstone
   * (keeping the device's fields in it), so the parking device drops its copy.
   *
   * <p>A parked parent delete (device value null; the record had live children): {@code
   * take_device} deletes the record and its live children (a person decided; the tombstones and the
   * journal keep their values); {@code keep_server} keeps it and rewrites it at a new sequence, so
   * the deleting device gets it back.
   *
   * <p>Every outcome writes at a new sequence: every device pulls the resolution.
   */
  private String resolveRecord(TokenClaims token, ReviewItem item, Table table, String action) {
    boolean parkedDelete = item.deviceValue() == null;
    Map<String, Object> deviceFields = new LinkedHashMap<>();
    if (!parkedDelete) {
      JsonObject json;
      try {
        json = JsonParser.parseString(item.deviceValue().toString()).getAsJsonObject();
      } catch (RuntimeException e) {
        throw new ProtocolException(
            "review item "
                + item.id()
                + " holds no JSON object of fields: "
                + MessageText.withoutClassNames(e.getMessage()));
      }
      for (Map.Entry<String, JsonElement> entry : json.entrySet()) {
        Column column = table.column(entry.getKey());
        if (column == null || column.primaryKey()) {
          continue; // a column the schema no longer has
        }
        try {
          deviceFields.put(
              column.name(), column.type().coerce(ReviewJson.fromJson(entry.getValue())));
        } catch (IllegalArgumentException e) {
          throw new ProtocolException(
              "table '" + item.table() + "', column '" + column.name() + "': " + e.getMessage());
        }
      }
    }
    long sequence =
        store.write(
            token.tenant(),
            transaction -> {
              if (!transaction.resolveReview(item.id(), action, clock.wallMillis())) {
                throw new ConflictException("review item " + item.id() + " is already resolved");
              }
              long hlc = clock.now();
              String id = item.recordId();
              StoredRecord stored = transaction.load(table.name(), List.of(id)).get(id);
              boolean take = action.equals("take_device");
              Map<String, Object> values = new LinkedHashMap<>();
              if (stored != null) {
                values.putAll(stored.values());
              }
              values.put(table.primaryKey().name(), id);
              RecordVersions.Builder versions =
                  stored == null ? RecordVersions.newBuilder() : stored.versions().toBuilder();
              long seq = transaction.nextSequence();
              boolean deleted;
              if (parkedDelete) {
                deleted = take;
                if (take) {
                  for (StoredRecord child : liveChildren(transaction, table, id)) {
                    long childSeq = transaction.nextSequence();
                    transaction.save(
                        new StoredRecord(
                            child.table(),
                            child.id(),
                            childSeq,
                            true,
                            child.values(),
                            child.versions().toBuilder()
                                .setRow(version(childSeq, hlc, token))
                                .build()));
                    transaction.journal(
                        new JournalEntry(
                            childSeq,
                            child.table(),
                            child.id(),
                            "delete",
                            null,
                            hlc,
                            token.device(),
                            null,
                            "cascaded"));
                  }
                }
              } else if (take) {
                deleted = false;
                for (Map.Entry<String, Object> field : deviceFields.entrySet()) {
                  values.put(field.getKey(), field.getValue());
                  versions.putFields(field.getKey(), version(seq, hlc, token));
                }
                restoreParents(transaction, table, values, hlc, token);
              } else {
                // keep_server: the parent stays deleted; a child the server never had becomes a
                // tombstone holding the device's fields.
                deleted = stored == null || stored.deleted();
                if (stored == null) {
                  values.putAll(deviceFields);
                }
              }
              versions.setRow(version(seq, hlc, token));
              transaction.save(
                  new StoredRecord(table.name(), id, seq, deleted, values, versions.build()));
              ScopeInheritance.afterWrite(
                  transaction, schema, token.device(), clock.wallMillis(), table, id, stored);
              return journalResolution(
                  transaction,
                  item,
                  action,
                  parkedDelete ? null : ParkedRecord.valuesJson(deviceFields),
                  seq,
                  hlc,
                  token);
            });
    return resolved(item.id(), action, sequence);
  }

  private void restoreParents(
      WriteTransaction transaction,
      Table table,
      Map<String, Object> values,
      long hlc,
      TokenClaims token) {
    for (Column foreignKey : table.foreignKeys()) {
      Object reference = values.get(foreignKey.name());
      Table parentTable = schema.table(foreignKey.references());
      if (reference == null || parentTable == null) {
        continue;
      }
      String parentId = reference.toString();
      StoredRecord parent = transaction.load(parentTable.name(), List.of(parentId)).get(parentId);
      if (parent == null || !parent.deleted()) {
        continue;
      }
      long seq = transaction.nextSequence();
      transaction.save(
          new StoredRecord(
              parentTable.name(),
              parentId,
              seq,
              false,
              parent.values(),
              parent.versions().toBuilder().setRow(version(seq, hlc, token)).build()));
      transaction.journal(
          new JournalEntry(
              seq,
              parentTable.name(),
              parentId,
              "restore",
              null,
              hlc,
              token.device(),
              null,
              "restored"));
    }
  }

  private List<StoredRecord> liveChildren(WriteTransaction transaction, Table parent, String id) {
    List<StoredRecord> result = new ArrayList<>();
    for (Table table : schema.tables().values()) {
      for (Column foreignKey : table.foreignKeys()) {
        if (!foreignKey.references().equals(parent.name())) {
          continue;
        }
        List<String> ids =
            new ArrayList<>(transaction.liveChildren(table.name(), foreignKey.name(), id));
        ids.remove(table == parent ? id : null);
        result.addAll(transaction.load(table.name(), ids).values());
      }
    }
    return result;
  }
}
