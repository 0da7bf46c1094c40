package io.fieldsync.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.protobuf.InvalidProtocolBufferException;
import io.fieldsync.StorageException;
import io.fieldsync.conflict.FieldEdit;
import io.fieldsync.conflict.FieldState;
import io.fieldsync.conflict.Verdict;
import io.fieldsync.order.ForeignKeyOrder;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.ConflictRule;
import io.fieldsync.schema.DeleteRule;
import io.fieldsync.schema.ParentDeleteRule;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.store.JournalEntry;
import io.fieldsync.store.ReviewItem;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.WriteTransaction;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.ChangeResult;
import io.fieldsync.wire.ChangeStatus;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.FieldVersion;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.RecordVersions;
import io.fieldsync.wire.SequenceRange;
import io.fieldsync.wire.Values;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Decides a pushed batch, using only the store SPI so it runs on every backend.
 *
 * <p>Two phases. <em>Prepare</em> checks every change against the schema and the token without
 * touching the store; a change that fails is rejected with a reason and the others go on.
 * <em>Commit</em> runs in one store write transaction: it checks the batch id again (so two
 * deliveries racing each other cannot both apply), orders the accepted changes by foreign key,
 * loads the records they touch in bulk, decides every field with the column's conflict strategy,
 * gives each changed record the next sequence, journals every change with its outcome and records
 * the response under the batch id.
 *
 * <p>A device has always seen its own writes: a field last written by the pushing device is never a
 * conflict for it, whatever {@code base_seq} says (a device may push twice before it pulls).
 *
 * <p>Thread-safe (stateless apart from the clock).
 */
final class PushService {
  static final int MAX_BATCH_ID_LENGTH = 200;

  private final SyncStore store;
  private final Schema schema;
  private final ForeignKeyOrder order;
  private final ServerClock clock;

  /** Per table, its column lists (the schema's are built on every call). */
  private final Map<String, TableColumns> columns = new HashMap<>();

  PushService(SyncStore store, Schema schema, ServerClock clock) {
    this.store = store;
    this.schema = schema;
    this.order = new ForeignKeyOrder(schema);
    this.clock = clock;
    for (Table table : schema.tables().values()) {
      columns.put(
          table.name(),
          new TableColumns(List.copyOf(table.dataColumns()), List.copyOf(table.foreignKeys())));
    }
  }

  private record TableColumns(List<Column> data, List<Column> foreignKeys) {}

  private TableColumns columns(Table table) {
    return columns.get(table.name());
  }

  /** The outcome of a push and how many device stamps were capped on the way. */
  record Outcome(PushResponse response, int skewCapped, long maxAheadMillis) {}

  Outcome push(TokenClaims token, PushRequest request) {
    String batchId = request.getBatchId();
    if (batchId.isBlank()) {
      throw HttpFailure.badRequest(
          "push needs a batch_id: any text unique per device batch, reused on retry");
    }
    if (batchId.length() > MAX_BATCH_ID_LENGTH) {
      throw HttpFailure.badRequest(
          "batch_id is "
              + batchId.length()
              + " characters; at most "
              + MAX_BATCH_ID_LENGTH
              + " are allowed");
    }
    Optional<byte[]> recorded = store.batchOutcome(token.tenant(), token.device(), batchId);
    if (recorded.isPresent()) {
      return new Outcome(replay(recorded.get(), batchId), 0, 0);
    }
    requireCurrentDatabase(token, request);
    ServerClock.Guard guard = clock.guard();
    guard.admit(request.getDeviceHlc());
    List<Prepared> prepared = prepare(token, request, guard);
    // Everything that depends only on the request is done here, outside the store's writer.
    List<Prepared> accepted = new ArrayList<>(prepared.size());
    for (Prepared change : prepared) {
      if (change.rejection == null) {
        accepted.add(change);
      }
    }
    List<Prepared> sorted = order.sort(accepted, ADAPTER);
    PushResponse response =
        store.write(
            token.tenant(),
            transaction -> {
              Optional<byte[]> raced = transaction.batchOutcome(token.device(), batchId);
              if (raced.isPresent()) {
                return replay(raced.get(), batchId);
              }
              if (request.getDeviceBatch() > 0) {
                transaction.recordDeviceBatch(token.device(), request.getDeviceBatch());
              }
              return new Commit(transaction, token, batchId, prepared, sorted).run();
            });
    return new Outcome(response, guard.capped(), guard.maxAheadMillis());
  }

  /**
   * A device database counts its batches; one that sends a number the server has already committed
   * for the device is older than its own history (restored from a backup, or a copy), so what it
   * believes it has and has not pushed is stale: it must resync, pushing its outbox first.
   */
  private void requireCurrentDatabase(TokenClaims token, PushRequest request) {
    long number = request.getDeviceBatch();
    if (number < 0) {
      throw HttpFailure.badRequest("device_batch must not be negative, found " + number);
    }
    if (number == 0) {
      return;
    }
    long last = store.lastDeviceBatch(token.tenant(), token.device());
    if (number <= last) {
      throw HttpFailure.restoredDatabase(
          "device '"
              + token.device()
              + "' sent batch number "
              + number
              + " but the server already committed its batch "
              + last
              + ": this database is older than the device's history (restored from a backup, or"
              + " a copy); resync it (its outbox is pushed first)",
          last);
    }
  }

  private static PushResponse replay(byte[] recorded, String batchId) {
    try {
      return PushResponse.parseFrom(recorded).toBuilder().setReplayed(true).build();
    } catch (InvalidProtocolBufferException e) {
      throw new StorageException(
          "the recorded outcome of batch '" + batchId + "' is corrupt: " + e.getMessage(), e);
    }
  }

  // ------------------------------------------------------------------ prepare

  /** A field of a change, checked and converted to its canonical value. */
  record PreparedField(
      Column column,
      Object value,
      Object sent,
      long hlc,
      long delta,
      List<String> added,
      List<String> removed) {}

  /** A change after the prepare phase: accepted (fields checked) or rejected with a reason. */
  static final class Prepared {
    final int index;
    final Change change;
    final Table table;
    final String id;
    final List<PreparedField> fields = new ArrayList<>();
    final Map<String, Object> valuesByColumn = new HashMap<>();
    long hlc;
    String rejection;

    /** Rejected for a record outside the device's scopes: its server state must not travel. */
    boolean hidden;

    /** The fields as the device sent them, as JSON for the journal. */
    String fieldsJson;

    Prepared(int index, Change change, Table table, String id) {
      this.index = index;
      this.change = change;
      this.table = table;
      this.id = id;
    }

    boolean isDelete() {
      return change.getOp() == Op.OP_DELETE;
    }
  }

  private List<Prepared> prepare(TokenClaims token, PushRequest request, ServerClock.Guard guard) {
    String tenantMismatch = null;
    if (!request.getTenant().isEmpty() && !request.getTenant().equals(token.tenant())) {
      tenantMismatch =
          "tenant mismatch: the push names tenant '"
              + request.getTenant()
              + "' but the token is for tenant '"
              + token.tenant()
              + "'";
    }
    List<Prepared> result = new ArrayList<>(request.getChangesCount());
    for (int i = 0; i < request.getChangesCount(); i++) {
      Change change = request.getChanges(i);
      Table table = schema.table(change.getTable());
      String id = canonicalId(table, change.getRecordId());
      Prepared prepared = new Prepared(i, change, table, id);
      prepared.hlc = guard.admit(change.getHlc());
      prepared.rejection =
          tenantMismatch != null ? tenantMismatch : check(prepared, change, table, guard);
      prepared.fieldsJson = fieldsJson(change);
      result.add(prepared);
    }
    return result;
  }

  private static String canonicalId(Table table, String recordId) {
    if (table == null || recordId.isEmpty()) {
      return null;
    }
    try {
      return (String) table.primaryKey().type().coerce(recordId);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Checks one change; returns the rejection reason or null, filling in the fields. */
  private String check(Prepared prepared, Change change, Table table, ServerClock.Guard guard) {
    if (table == null) {
      return "unknown table '"
          + MessageCodec.abbreviate(change.getTable())
          + "'; the schema (v"
          + schema.version()
          + ") has "
          + schema.tables().keySet();
    }
    if (change.getRecordId().isEmpty()) {
      return "table '" + table.name() + "': the change has no record_id";
    }
    if (prepared.id == null) {
      try {
        table.primaryKey().type().coerce(change.getRecordId());
      } catch (IllegalArgumentException e) {
        return where(table, change)
            + ", column '"
            + table.primaryKey().name()
            + "': bad record id: "
            + e.getMessage();
      }
    }
    Op op = change.getOp();
    if (op != Op.OP_INSERT && op != Op.OP_UPDATE && op != Op.OP_DELETE) {
      return where(table, change)
          + ": unknown op "
          + change.getOpValue()
          + " (expected OP_INSERT, OP_UPDATE or OP_DELETE)";
    }
    if (op == Op.OP_DELETE) {
      return null;
    }
    Set<String> seen = new HashSet<>();
    for (FieldChange field : change.getFieldsList()) {
      Column column = table.column(field.getColumn());
      if (column == null) {
        return columnWhere(table, change, field)
            + ": no such column; the table has "
            + table.columns().keySet();
      }
      if (!seen.add(column.name())) {
        return columnWhere(table, change, field) + ": sent twice in one change";
      }
      Object sent;
      Object value;
      try {
        sent = Values.fromWire(field.getValue());
        value = column.type().coerce(sent);
      } catch (RuntimeException e) {
        return columnWhere(table, change, field) + ": " + e.getMessage();
      }
      if (column.primaryKey()) {
        if (!prepared.id.equals(value)) {
          return columnWhere(table, change, field)
              + ": the primary key value differs from record_id";
        }
        continue;
      }
      if (value == null && column.required()) {
        return columnWhere(table, change, field) + ": required, but the change sets it to null";
      }
      if (field.getAddedCount() > 0 || field.getRemovedCount() > 0) {
        for (String element : concat(field.getAddedList(), field.getRemovedList())) {
          try {
            JsonParser.parseString(element);
          } catch (JsonParseException e) {
            return columnWhere(table, change, field)
                + ": added/removed element is not JSON: '"
                + MessageCodec.abbreviate(element)
                + "'";
          }
        }
      }
      if (field.getDelta() != 0 && table.ruleFor(column) != ConflictRule.SUM) {
        return columnWhere(table, change, field) + ": a delta is only allowed on sum columns";
      }
      long hlc = field.getHlc() != 0 ? guard.admit(field.getHlc()) : prepared.hlc;
      PreparedField prepared1 =
          new PreparedField(
              column,
              value,
              sent,
              hlc,
              field.getDelta(),
              field.getAddedList(),
              field.getRemovedList());
      prepared.fields.add(prepared1);
      prepared.valuesByColumn.put(column.name(), value);
    }
    if (op == Op.OP_INSERT) {
      for (Column column : columns(table).data()) {
        if (column.required() && prepared.valuesByColumn.get(column.name()) == null) {
          return where(table, change)
              + ", column '"
              + column.name()
              + "': required, but the insert has no value";
        }
      }
    }
    return null;
  }

  /** Where a rejected change is, for its reason (built only on rejection). */
  private static String where(Table table, Change change) {
    return "table '"
        + table.name()
        + "', record '"
        + MessageCodec.abbreviate(change.getRecordId())
        + "'";
  }

  private static String columnWhere(Table table, Change change, FieldChange field) {
    return where(table, change) + ", column '" + MessageCodec.abbreviate(field.getColumn()) + "'";
  }

  private static List<String> concat(List<String> first, List<String> second) {
    List<String> all = new ArrayList<>(first);
    all.addAll(second);
    return all;
  }

  // ------------------------------------------------------------------ commit

  /** A record's state while the batch is decided. */
  private static final class Working {
    final Table table;
    final String id;
    boolean exists;
    boolean deleted;
    long seq;
    final Map<String, Object> values = new LinkedHashMap<>();

    /** The record's row version and field versions: plain fields, built into a message once. */
    FieldVersion row;

    final Map<String, FieldVersion> fieldVersions = new LinkedHashMap<>();

    /** The sequence this batch gave the record, or 0. */
    long newSeq;

    Working(Table table, String id, StoredRecord stored) {
      this.table = table;
      this.id = id;
      if (stored != null) {
        exists = true;
        deleted = stored.deleted();
        seq = stored.seq();
        values.putAll(stored.values());
        RecordVersions versions = stored.versions();
        row = versions.hasRow() ? versions.getRow() : null;
        fieldVersions.putAll(versions.getFieldsMap());
      }
    }

    /** Whether something other than {@code device} changed the record after {@code baseSeq}. */
    boolean changedByOthersAfter(long baseSeq, String device) {
      if (row != null && concurrent(row, baseSeq, device)) {
        return true;
      }
      for (FieldVersion version : fieldVersions.values()) {
        if (concurrent(version, baseSeq, device)) {
          return true;
        }
      }
      return false;
    }

    private static boolean concurrent(FieldVersion version, long baseSeq, String device) {
      return version.getSeq() > baseSeq && !version.getDevice().equals(device);
    }

    RecordVersions versions() {
      RecordVersions.Builder builder = RecordVersions.newBuilder().putAllFields(fieldVersions);
      if (row != null) {
        builder.setRow(row);
      }
      return builder.build();
    }
  }

  private final class Commit {
    private final WriteTransaction transaction;
    private final TokenClaims token;
    private final String batchId;
    private final List<Prepared> prepared;

    /** The accepted changes in foreign-key order. */
    private final List<Prepared> sorted;

    private final Map<Key, Working> records = new HashMap<>();

    /** Records this batch deletes: a child written earlier in the batch treats them as deleted. */
    private final Set<Key> deletesInBatch = new HashSet<>();

    private final ParentRules parentRules = new ParentRules();
    private final long now;

    Commit(
        WriteTransaction transaction,
        TokenClaims token,
        String batchId,
        List<Prepared> prepared,
        List<Prepared> sorted) {
      this.transaction = transaction;
      this.token = token;
      this.batchId = batchId;
      this.prepared = prepared;
      this.sorted = sorted;
      this.now = clock.wallMillis();
    }

    PushResponse run() {
      load();
      RowScope scope = RowScope.of(token);
      for (Prepared change : prepared) {
        if (change.rejection == null && scope.restricts(change.table)) {
          change.rejection = outsideScope(scope, change);
        }
      }
      // (a change rejected after prepare keeps its place in the list and is skipped)
      for (Prepared change : sorted) {
        if (change.rejection == null && change.isDelete()) {
          deletesInBatch.add(key(change.table, change.id));
        }
      }
      Decision[] decisions = new Decision[prepared.size()];
      for (Prepared change : sorted) {
        if (change.rejection == null) {
          decisions[change.index] = change.isDelete() ? delete(change) : upsert(change);
        }
      }
      for (Working record : records.values()) {
        if (record.newSeq != 0) {
          transaction.save(
              new StoredRecord(
                  record.table.name(),
                  record.id,
                  record.newSeq,
                  record.deleted,
                  record.values,
                  record.versions()));
        }
      }
      PushResponse.Builder response = PushResponse.newBuilder().setBatchId(batchId);
      int applied = 0;
      int merged = 0;
      int rejected = 0;
      int parked = 0;
      for (Prepared change : prepared) {
        Decision decision =
            change.rejection != null
                ? new Decision(ChangeStatus.REJECTED, change.rejection, List.of(), 0, true)
                : decisions[change.index];
        ChangeResult.Builder result =
            ChangeResult.newBuilder().setIndex(change.index).setStatus(decision.status);
        if (decision.reason != null) {
          result.setReason(decision.reason);
        }
        result.addAllParkedColumns(decision.parkedColumns);
        Working record = change.id == null ? null : records.get(key(change.table, change.id));
        if (decision.includeRecord && record != null) {
          result.setServerRecord(change.hidden ? absentRecord(record) : serverRecord(record));
        }
        if (decision.status != ChangeStatus.APPLIED || result.hasServerRecord()) {
          response.addResults(result); // `applied` counts the others: no bytes for "as sent"
        }
        switch (decision.status) {
          case APPLIED -> applied++;
          case MERGED -> merged++;
          case PARKED -> parked++;
          default -> rejected++;
        }
        transaction.journal(
            new JournalEntry(
                decision.seq,
                change.table == null ? change.change.getTable() : change.table.name(),
                change.id == null ? change.change.getRecordId() : change.id,
                opName(change.change),
                change.fieldsJson,
                change.hlc,
                token.device(),
                batchId,
                decision.journalOutcome()));
      }
      long first = Long.MAX_VALUE;
      long last = 0;
      for (Working record : records.values()) {
        if (record.newSeq != 0) {
          first = Math.min(first, record.newSeq);
          last = Math.max(last, record.newSeq);
        }
      }
      if (last > 0) {
        response.setWritten(SequenceRange.newBuilder().setFirst(first).setLast(last));
      }
      response
          .setApplied(applied)
          .setMerged(merged)
          .setRejected(rejected)
          .setParked(parked)
          .setSequence(transaction.sequence())
          .setServerHlc(clock.now());
      PushResponse built = response.build();
      transaction.recordBatch(token.device(), batchId, built.toByteArray());
      return built;
    }

    /**
     * Why a change touches rows the token may not write, or null: the record as stored and, when
     * the change sets it, the new scope value must both be among the token's scopes.
     */
    private String outsideScope(RowScope scope, Prepared change) {
      Working current = records.get(key(change.table, change.id));
      boolean live = current != null && current.exists && !current.deleted;
      String where = "table '" + change.table.name() + "', record '" + change.id + "'";
      if (live && !scope.admits(change.table, current.values)) {
        change.hidden = true;
        return where + ": the record is outside the device's scopes " + scope.describe();
      }
      String column = change.table.scope();
      if (change.isDelete() || (live && !change.valuesByColumn.containsKey(column))) {
        return null;
      }
      Object value = change.valuesByColumn.get(column);
      if (scope.admitsValue(change.table, value)) {
        return null;
      }
      return where
          + ", column '"
          + column
          + "': "
          + (value == null ? "no value" : "'" + MessageCodec.abbreviate(value.toString()) + "'")
          + " is not one of the device's scopes "
          + scope.describe();
    }

    private void load() {
      Map<Table, List<String>> ids = new LinkedHashMap<>();
      for (Prepared change : prepared) {
        if (change.table != null && change.id != null) {
          ids.computeIfAbsent(change.table, unused -> new ArrayList<>()).add(change.id);
        }
      }
      loadAll(ids);
      // The parents the batch's records point at, in bulk, for the on_parent_delete rules.
      Map<Table, List<String>> parents = new LinkedHashMap<>();
      for (Prepared change : prepared) {
        if (change.table == null || change.id == null || change.isDelete()) {
          continue;
        }
        Working record = records.get(key(change.table, change.id));
        for (Column foreignKey : columns(change.table).foreignKeys()) {
          Table parentTable = schema.table(foreignKey.references());
          Object reference =
              change.valuesByColumn.containsKey(foreignKey.name())
                  ? change.valuesByColumn.get(foreignKey.name())
                  : record.values.get(foreignKey.name());
          if (parentTable != null
              && reference != null
              && !records.containsKey(key(parentTable, reference.toString()))) {
            parents
                .computeIfAbsent(parentTable, unused -> new ArrayList<>())
                .add(reference.toString());
          }
        }
      }
      loadAll(parents);
    }

    private void loadAll(Map<Table, List<String>> ids) {
      for (Map.Entry<Table, List<String>> entry : ids.entrySet()) {
        Table table = entry.getKey();
        Map<String, StoredRecord> stored = transaction.load(table.name(), entry.getValue());
        for (String id : entry.getValue()) {
          records.computeIfAbsent(key(table, id), unused -> new Working(table, id, stored.get(id)));
        }
      }
    }

    private long sequenceFor(Working record) {
      if (record.newSeq == 0) {
        record.newSeq = transaction.nextSequence();
        record.seq = record.newSeq;
      }
      return record.newSeq;
    }

    private FieldVersion version(Working record, long hlc) {
      return FieldVersion.newBuilder()
          .setSeq(sequenceFor(record))
          .setHlc(hlc)
          .setDevice(token.device())
          .build();
    }

    private Decision delete(Prepared change) {
      Working record = records.get(key(change.table, change.id));
      if (!record.exists || record.deleted) {
        return new Decision(ChangeStatus.APPLIED, null, List.of(), 0, false);
      }
      long baseSeq = change.change.getBaseSeq();
      if (change.table.onDelete() == DeleteRule.UPDATE_WINS
          && record.changedByOthersAfter(baseSeq, token.device())) {
        return new Decision(
            ChangeStatus.MERGED,
            "table '"
                + change.table.name()
                + "', record '"
                + change.id
                + "': updated on the server after sequence "
                + baseSeq
                + " and on_delete is update_wins, so the record stays",
            List.of(),
            0,
            true);
      }
      Decision kept = parentRules.childrenOf(change, record);
      if (kept != null) {
        return kept;
      }
      record.deleted = true;
      record.row = version(record, change.hlc);
      return new Decision(ChangeStatus.APPLIED, null, List.of(), record.newSeq, false);
    }

    private Decision upsert(Prepared change) {
      Working record = records.get(key(change.table, change.id));
      Table table = change.table;
      long baseSeq = change.change.getBaseSeq();
      Decision orphan = parentRules.parentsOf(change, record);
      if (orphan != null) {
        return orphan;
      }
      boolean changed = false;
      boolean merged = false;
      boolean includeRecord = false;
      String reason = null;
      if (!record.exists) {
        if (change.change.getOp() == Op.OP_UPDATE) {
          return new Decision(
              ChangeStatus.REJECTED,
              where(change) + ": update of a record the server does not have; send it as OP_INSERT",
              List.of(),
              0,
              true);
        }
        record.exists = true;
        record.deleted = false;
        record.values.put(table.primaryKey().name(), change.id);
        record.row = version(record, change.hlc);
        changed = true;
      } else if (record.deleted) {
        boolean resurrect =
            table.onDelete() == DeleteRule.UPDATE_WINS
                || (change.change.getOp() == Op.OP_INSERT && baseSeq >= record.seq);
        if (!resurrect) {
          return new Decision(
              ChangeStatus.MERGED,
              where(change)
                  + ": deleted on the server and on_delete is delete_wins; the edit was not applied",
              List.of(),
              0,
              true);
        }
        record.deleted = false;
        record.values.put(table.primaryKey().name(), change.id);
        record.row = version(record, change.hlc);
        changed = true;
        includeRecord = true; // the restored record carries fields the edit did not send
      }
      List<String> parkedColumns = new ArrayList<>();
      for (PreparedField field : change.fields) {
        Column column = field.column();
        String name = column.name();
        FieldVersion current = record.fieldVersions.get(name);
        FieldState state =
            current == null
                ? FieldState.ABSENT
                : FieldState.of(
                    record.values.get(name),
                    current.getHlc(),
                    current.getDevice(),
                    current.getSeq());
        ConflictRule rule = table.ruleFor(column);
        long delta = field.delta();
        if (rule == ConflictRule.SUM
            && !state.exists()
            && delta == 0
            && field.value() instanceof Long whole) {
          delta = whole;
        }
        long fieldBase = baseSeq;
        if (current != null && current.getDevice().equals(token.device())) {
          fieldBase = Math.max(fieldBase, current.getSeq());
        }
        FieldEdit edit =
            new FieldEdit(
                field.value(),
                field.hlc(),
                token.device(),
                fieldBase,
                delta,
                field.added(),
                field.removed());
        Verdict verdict;
        try {
          verdict = rule.strategy().resolve(state, edit);
        } catch (ArithmeticException e) {
          merged = true;
          reason =
              where(change)
                  + ", column '"
                  + name
                  + "': the sum overflows a 64-bit integer; kept "
                  + "the server's value";
          continue;
        }
        if (verdict instanceof Verdict.Take take) {
          // A verdict taking the edit's own (already canonical) value needs no second coercion.
          Object value =
              take.value() == field.value() ? field.value() : column.type().coerce(take.value());
          if (!state.exists() || !Objects.equals(value, state.value())) {
            record.values.put(name, value);
            record.fieldVersions.put(name, version(record, field.hlc()));
            changed = true;
          }
          if (!Objects.equals(value, field.value())) {
            merged = true;
          } else if (!Objects.equals(field.sent(), field.value())) {
            includeRecord = true;
          }
        } else if (verdict instanceof Verdict.Review review) {
          transaction.park(
              new ReviewItem(
                  0,
                  table.name(),
                  change.id,
                  name,
                  state.value(),
                  field.value(),
                  baseSeq,
                  state.hlc(),
                  state.device(),
                  field.hlc(),
                  token.device(),
                  review.reason(),
                  now,
                  "open",
                  null));
          parkedColumns.add(name);
        } else if (!Objects.equals(state.value(), field.value())) {
          merged = true; // kept the server's value
        }
      }
      ChangeStatus status =
          !parkedColumns.isEmpty()
              ? ChangeStatus.PARKED
              : merged ? ChangeStatus.MERGED : ChangeStatus.APPLIED;
      if (status == ChangeStatus.PARKED) {
        reason =
            where(change) + ": concurrent edits of " + parkedColumns + " went to the review queue";
      }
      return new Decision(
          status,
          reason,
          parkedColumns,
          changed ? record.newSeq : 0,
          includeRecord || status != ChangeStatus.APPLIED);
    }

    private String where(Prepared change) {
      return "table '" + change.table.name() + "', record '" + change.id + "'";
    }

    /** The working state of any record, loading it on first use (parents, children). */
    private Working working(Table table, String id) {
      return records.computeIfAbsent(
          key(table, id),
          unused -> new Working(table, id, transaction.load(table.name(), List.of(id)).get(id)));
    }

    /**
     * The {@code on_parent_delete} rules, in both directions.
     *
     * <p>A child written while its parent is deleted (a tombstone on the server, or deleted later
     * in this batch): {@code cascade} stores the child as a tombstone (the device's values stay in
     * the journal and the tombstone), {@code restore_parent} brings the parent back from its
     * tombstone and applies the child, {@code review} parks the whole child record.
     *
     * <p>A parent deleted while the server holds live children: any child under {@code
     * restore_parent} keeps the parent (the delete is not applied), else any child under {@code
     * review} parks the delete, else ({@code cascade}) the children are deleted with it. Either
     * order of the two devices' syncs thus ends with the same rows.
     */
    private final class ParentRules {

      /** Applies the rule of a child whose parent is deleted; null when no parent is deleted. */
      Decision parentsOf(Prepared change, Working record) {
        Table table = change.table;
        for (Column foreignKey : columns(table).foreignKeys()) {
          Table parentTable = schema.table(foreignKey.references());
          Object reference =
              change.valuesByColumn.containsKey(foreignKey.name())
                  ? change.valuesByColumn.get(foreignKey.name())
                  : record.exists ? record.values.get(foreignKey.name()) : null;
          if (parentTable == null || reference == null) {
            continue;
          }
          String parentId = reference.toString();
          if (parentTable == table && parentId.equals(change.id)) {
            continue;
          }
          Working parent = working(parentTable, parentId);
          boolean tombstone = parent.exists && parent.deleted;
          boolean deletedLater =
              !tombstone && parent.exists && deletesInBatch.contains(key(parentTable, parentId));
          if (!tombstone && !deletedLater) {
            continue;
          }
          String why =
              "table '"
                  + table.name()
                  + "', record '"
                  + change.id
                  + "': its parent '"
                  + parentTable.name()
                  + "' record '"
                  + parentId
                  + "' (column '"
                  + foreignKey.name()
                  + "') was deleted";
          switch (foreignKey.onParentDelete()) {
            case CASCADE -> {
              return cascadeChild(change, record, why);
            }
            case REVIEW -> {
              return parkChild(change, record, parent, why);
            }
            case RESTORE_PARENT -> {
              if (tombstone) {
                restore(parent, change.hlc);
              }
              // deleted later in this batch: the delete finds this child live and keeps the parent
            }
          }
        }
        return null;
      }

      private Decision cascadeChild(Prepared change, Working record, String why) {
        String reason = why + " and on_parent_delete is cascade, so the child was deleted too";
        if (record.exists && record.deleted) {
          return new Decision(ChangeStatus.MERGED, reason, List.of(), 0, true);
        }
        if (!record.exists) {
          // The tombstone keeps the device's values as well as the journal does.
          record.exists = true;
          record.values.put(change.table.primaryKey().name(), change.id);
          for (PreparedField field : change.fields) {
            record.values.put(field.column().name(), field.value());
          }
        }
        record.deleted = true;
        record.row = version(record, change.hlc);
        return new Decision(
            ChangeStatus.MERGED, reason, List.of(), record.newSeq, true, "cascaded");
      }

      private Decision parkChild(Prepared change, Working record, Working parent, String why) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (PreparedField field : change.fields) {
          fields.put(field.column().name(), field.value());
        }
        String reason = why + " and on_parent_delete is review";
        FieldVersion deletion = parent.row;
        transaction.park(
            new ReviewItem(
                0,
                change.table.name(),
                change.id,
                null,
                record.exists && !record.deleted ? valuesJson(record.values) : null,
                valuesJson(fields),
                change.change.getBaseSeq(),
                deletion == null ? 0 : deletion.getHlc(),
                deletion == null ? null : deletion.getDevice(),
                change.hlc,
                token.device(),
                reason,
                now,
                "open",
                null));
        return new Decision(
            ChangeStatus.PARKED,
            reason + "; the record went to the review queue",
            List.of(),
            0,
            true);
      }

      private void restore(Working parent, long hlc) {
        parent.deleted = false;
        parent.row = version(parent, hlc);
        transaction.journal(
            new JournalEntry(
                parent.newSeq,
                parent.table.name(),
                parent.id,
                "restore",
                null,
                hlc,
                token.device(),
                batchId,
                "restored"));
      }

      /** Applies the rules of a deleted parent's live children; null when the delete proceeds. */
      Decision childrenOf(Prepared change, Working parent) {
        List<Child> children = liveChildren(parent);
        if (children.isEmpty()) {
          return null;
        }
        String where = "table '" + parent.table.name() + "', record '" + parent.id + "'";
        List<String> keeping = describe(children, ParentDeleteRule.RESTORE_PARENT);
        if (!keeping.isEmpty()) {
          return new Decision(
              ChangeStatus.MERGED,
              where
                  + ": live children "
                  + keeping
                  + " have on_parent_delete restore_parent, so the record stays",
              List.of(),
              0,
              true);
        }
        List<String> reviewing = describe(children, ParentDeleteRule.REVIEW);
        if (!reviewing.isEmpty()) {
          Working first = children.get(0).record();
          for (Child child : children) {
            if (child.foreignKey().onParentDelete() == ParentDeleteRule.REVIEW) {
              first = child.record();
              break;
            }
          }
          FieldVersion latest = first.row;
          String reason =
              where
                  + ": a delete of a record with live children "
                  + reviewing
                  + " whose on_parent_delete is review";
          transaction.park(
              new ReviewItem(
                  0,
                  parent.table.name(),
                  parent.id,
                  null,
                  valuesJson(parent.values),
                  null,
                  change.change.getBaseSeq(),
                  latest == null ? 0 : latest.getHlc(),
                  latest == null ? null : latest.getDevice(),
                  change.hlc,
                  token.device(),
                  reason,
                  now,
                  "open",
                  null));
          return new Decision(
              ChangeStatus.PARKED,
              reason + "; the delete went to the review queue",
              List.of(),
              0,
              true);
        }
        cascade(children, change.hlc, new HashSet<>(Set.of(key(parent.table, parent.id))));
        return null;
      }

      private void cascade(List<Child> children, long hlc, Set<Key> visited) {
        for (Child child : children) {
          Working record = child.record();
          if (!visited.add(key(record.table, record.id)) || record.deleted) {
            continue;
          }
          record.deleted = true;
          record.row = version(record, hlc);
          transaction.journal(
              new JournalEntry(
                  record.newSeq,
                  record.table.name(),
                  record.id,
                  "delete",
                  null,
                  hlc,
                  token.device(),
                  batchId,
                  "cascaded"));
          List<Child> grandchildren = new ArrayList<>();
          for (Child grandchild : liveChildren(record)) {
            if (grandchild.foreignKey().onParentDelete() == ParentDeleteRule.CASCADE) {
              grandchildren.add(grandchild);
            }
          }
          cascade(grandchildren, hlc, visited);
        }
      }

      private static List<String> describe(List<Child> children, ParentDeleteRule rule) {
        List<String> result = new ArrayList<>();
        for (Child child : children) {
          if (child.foreignKey().onParentDelete() == rule) {
            result.add(child.record().table.name() + " '" + child.record().id + "'");
          }
        }
        return result;
      }

      /** Live records pointing at {@code parent}, as this batch has left them so far. */
      private List<Child> liveChildren(Working parent) {
        List<Child> result = new ArrayList<>();
        for (Table table : schema.tables().values()) {
          for (Column foreignKey : columns(table).foreignKeys()) {
            if (!foreignKey.references().equals(parent.table.name())) {
              continue;
            }
            Set<String> ids =
                new java.util.LinkedHashSet<>(
                    transaction.liveChildren(table.name(), foreignKey.name(), parent.id));
            for (Working candidate : List.copyOf(records.values())) {
              if (candidate.table == table) {
                ids.add(candidate.id);
              }
            }
            for (String id : ids) {
              Working child = working(table, id);
              boolean self = table == parent.table && id.equals(parent.id);
              if (!self
                  && child.exists
                  && !child.deleted
                  && parent.id.equals(String.valueOf(child.values.get(foreignKey.name())))) {
                result.add(new Child(foreignKey, child));
              }
            }
          }
        }
        return result;
      }
    }
  }

  /** A live record pointing at a parent through one of its foreign keys. */
  private record Child(Column foreignKey, Working record) {}

  /** Values as a JSON object, for review items that hold a whole record. */
  static String valuesJson(Map<String, Object> values) {
    JsonObject json = new JsonObject();
    for (Map.Entry<String, Object> entry : values.entrySet()) {
      Object value = entry.getValue();
      if (value instanceof Number number) {
        json.addProperty(entry.getKey(), number);
      } else if (value instanceof Boolean flag) {
        json.addProperty(entry.getKey(), flag);
      } else if (value != null) {
        json.addProperty(entry.getKey(), value.toString());
      } else {
        json.add(entry.getKey(), com.google.gson.JsonNull.INSTANCE);
      }
    }
    return json.toString();
  }

  /**
   * How one change was decided.
   *
   * @param outcome the journal outcome when the status alone does not say it (cascaded), or null
   */
  private record Decision(
      ChangeStatus status,
      String reason,
      List<String> parkedColumns,
      long seq,
      boolean includeRecord,
      String outcome) {
    Decision(
        ChangeStatus status,
        String reason,
        List<String> parkedColumns,
        long seq,
        boolean includeRecord) {
      this(status, reason, parkedColumns, seq, includeRecord, null);
    }

    String journalOutcome() {
      if (outcome != null) {
        return outcome;
      }
      return switch (status) {
        case APPLIED -> "applied";
        case MERGED -> seq == 0 ? "kept" : "merged";
        case PARKED -> "parked";
        default -> "rejected";
      };
    }
  }

  static io.fieldsync.wire.Record serverRecord(Working record) {
    io.fieldsync.wire.Record.Builder builder =
        io.fieldsync.wire.Record.newBuilder()
            .setTable(record.table.name())
            .setRecordId(record.id)
            .setSeq(record.seq);
    if (!record.exists) {
      return builder.setAbsent(true).build();
    }
    if (record.deleted) {
      return builder.setDeleted(true).build();
    }
    for (Column column : record.table.columns().values()) {
      FieldVersion version = record.fieldVersions.get(column.name());
      builder.addFields(
          io.fieldsync.wire.Field.newBuilder()
              .setColumn(column.name())
              .setValue(Values.toWire(record.values.get(column.name())))
              .setHlc(version == null ? 0 : version.getHlc()));
    }
    return builder.build();
  }

  /** A record the device may not see, as it sees it: absent. */
  private static io.fieldsync.wire.Record absentRecord(Working record) {
    return io.fieldsync.wire.Record.newBuilder()
        .setTable(record.table.name())
        .setRecordId(record.id)
        .setAbsent(true)
        .build();
  }

  /** A record of the batch: a map key that needs no string building. */
  private record Key(String table, String id) {}

  private static Key key(Table table, String id) {
    return new Key(table.name(), id);
  }

  private static String opName(Change change) {
    return switch (change.getOp()) {
      case OP_INSERT -> "insert";
      case OP_UPDATE -> "update";
      case OP_DELETE -> "delete";
      default -> "unknown(" + change.getOpValue() + ")";
    };
  }

  /**
   * The fields as the device sent them, as JSON for the journal: the text a Gson tree of them
   * prints (held to it by a test), written straight into one builder because every pushed change is
   * journaled. A change naming a column twice (rejected) goes through the tree, which keeps one
   * entry per name.
   */
  static String fieldsJson(Change change) {
    int count = change.getFieldsCount();
    if (count == 0) {
      return null;
    }
    String[] names = new String[count];
    for (int i = 0; i < count; i++) {
      names[i] = change.getFields(i).getColumn().toLowerCase(Locale.ROOT);
      for (int k = 0; k < i; k++) {
        if (names[k].equals(names[i])) {
          return fieldsJsonTree(change);
        }
      }
    }
    StringBuilder json = new StringBuilder(48 * count);
    json.append('{');
    for (int i = 0; i < count; i++) {
      FieldChange field = change.getFields(i);
      if (i > 0) {
        json.append(',');
      }
      jsonString(json, names[i]).append(":{\"value\":");
      Object value = sentValue(field);
      if (value instanceof Number || value instanceof Boolean) {
        json.append(value); // Gson prints numbers (NaN and infinities too) and booleans as is
      } else if (value != null) {
        jsonString(json, value.toString());
      } else {
        json.append("null");
      }
      json.append(",\"hlc\":").append(field.getHlc());
      if (field.getDelta() != 0) {
        json.append(",\"delta\":").append(field.getDelta());
      }
      jsonStrings(json, "added", field.getAddedList());
      jsonStrings(json, "removed", field.getRemovedList());
      json.append('}');
    }
    return json.append('}').toString();
  }

  private static void jsonStrings(StringBuilder json, String name, List<String> elements) {
    if (elements.isEmpty()) {
      return;
    }
    json.append(",\"").append(name).append("\":[");
    for (int i = 0; i < elements.size(); i++) {
      if (i > 0) {
        json.append(',');
      }
      jsonString(json, elements.get(i));
    }
    json.append(']');
  }

  /** A JSON string escaped as Gson's JsonWriter escapes it (not HTML-safe). */
  private static StringBuilder jsonString(StringBuilder json, String text) {
    json.append('"');
    int length = text.length();
    int from = 0;
    for (int i = 0; i < length; i++) {
      char c = text.charAt(i);
      String escape;
      if (c < 0x20) {
        escape =
            switch (c) {
              case '\t' -> "\\t";
              case '\b' -> "\\b";
              case '\n' -> "\\n";
              case '\r' -> "\\r";
              case '\f' -> "\\f";
              default -> String.format(Locale.ROOT, "\\u%04x", (int) c);
            };
      } else if (c == '"') {
        escape = "\\\"";
      } else if (c == '\\') {
        escape = "\\\\";
      } else if (c == '\u2028') {
        escape = "\\u2028";
      } else if (c == '\u2029') {
        escape = "\\u2029";
      } else {
        continue;
      }
      json.append(text, from, i).append(escape);
      from = i + 1;
    }
    return json.append(text, from, length).append('"');
  }

  private static Object sentValue(FieldChange field) {
    try {
      return Values.fromWire(field.getValue());
    } catch (RuntimeException e) {
      return null;
    }
  }

  // package-private for the test that holds the two forms to the same text
  static String fieldsJsonTree(Change change) {
    JsonObject fields = new JsonObject();
    for (FieldChange field : change.getFieldsList()) {
      JsonObject entry = new JsonObject();
      Object value = sentValue(field);
      if (value instanceof Number number) {
        entry.addProperty("value", number);
      } else if (value instanceof Boolean flag) {
        entry.addProperty("value", flag);
      } else if (value != null) {
        entry.addProperty("value", value.toString());
      } else {
        entry.add("value", com.google.gson.JsonNull.INSTANCE);
      }
      entry.addProperty("hlc", field.getHlc());
      if (field.getDelta() != 0) {
        entry.addProperty("delta", field.getDelta());
      }
      if (field.getAddedCount() > 0) {
        JsonArray added = new JsonArray();
        field.getAddedList().forEach(added::add);
        entry.add("added", added);
      }
      if (field.getRemovedCount() > 0) {
        JsonArray removed = new JsonArray();
        field.getRemovedList().forEach(removed::add);
        entry.add("removed", removed);
      }
      fields.add(field.getColumn().toLowerCase(Locale.ROOT), entry);
    }
    return fields.toString();
  }

  private static final ForeignKeyOrder.Adapter<Prepared> ADAPTER =
      new ForeignKeyOrder.Adapter<>() {
        @Override
        public String table(Prepared item) {
          return item.table.name();
        }

        @Override
        public String recordId(Prepared item) {
          return item.id;
        }

        @Override
        public boolean isDelete(Prepared item) {
          return item.isDelete();
        }

        @Override
        public Object value(Prepared item, String column) {
          return item.valuesByColumn.get(column);
        }
      };
}
