package io.fieldsync.server.push;

import io.fieldsync.schema.DeleteRule;
import io.fieldsync.schema.Table;
import io.fieldsync.server.MessageText;
import io.fieldsync.server.RowScope;
import io.fieldsync.server.ServerClock;
import io.fieldsync.server.TokenClaims;
import io.fieldsync.store.WriteTransaction;
import io.fieldsync.wire.ChangeResult;
import io.fieldsync.wire.ChangeStatus;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.SequenceRange;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Commits one validated batch inside its store write transaction: loads the records it touches in
 * bulk, refuses changes outside the token's scopes, decides every accepted change in foreign-key
 * order (record rules here, fields in {@link FieldResolver}, parents and children in {@link
 * ParentDeleteRules}), saves every changed record at its new sequence, journals every change with
 * its outcome and builds the response. One instance per batch; not thread-safe.
 */
final class BatchCommit {
  private final ServerClock clock;
  private final TokenClaims token;
  private final String batchId;
  private final List<PreparedChange> prepared;

  /** The accepted changes in foreign-key order. */
  private final List<PreparedChange> sorted;

  private final WorkingSet set;
  private final BatchJournal journal;
  private final FieldResolver fields;
  private final ParentDeleteRules parentRules;
  private final ScopeInheritance inheritance;
  private final SideWork side;

  BatchCommit(
      WriteTransaction transaction,
      SchemaColumns columns,
      ServerClock clock,
      TokenClaims token,
      String batchId,
      List<PreparedChange> prepared,
      List<PreparedChange> sorted,
      SideWork side) {
    this.clock = clock;
    this.side = side;
    this.token = token;
    this.batchId = batchId;
    this.prepared = prepared;
    this.sorted = sorted;
    this.set = new WorkingSet(transaction, columns, token.device(), clock.wallMillis());
    this.journal = new BatchJournal(transaction, token.device(), batchId);
    this.fields = new FieldResolver(set);
    this.parentRules = new ParentDeleteRules(set, columns, journal);
    this.inheritance = new ScopeInheritance(set, columns.schema());
  }

  /** Decides, saves and journals the batch; returns its response (not yet recorded). */
  PushResponse run() {
    set.load(prepared);
    RowScope scope = RowScope.of(token, set.schema());
    // Parents first, so a child's parent is judged as this batch leaves it.
    Map<WorkingRecord, PreparedChange> pending = new HashMap<>();
    for (PreparedChange change : sorted) {
      if (change.isAccepted() && scope.restricts(change.table)) {
        change.rejection = outsideScope(scope, change, pending);
      }
      if (change.isAccepted() && !change.isDelete()) {
        pending.put(change.record, change);
      }
    }
    // (a change rejected after validation keeps its place in the list and is skipped)
    for (PreparedChange change : sorted) {
      if (change.isAccepted() && change.isDelete()) {
        set.deleteInBatch(change.table, change.id);
      }
    }
    Decision[] decisions = new Decision[prepared.size()];
    for (PreparedChange change : sorted) {
      if (change.isAccepted()) {
        decisions[change.index] = change.isDelete() ? delete(change) : upsert(change);
      }
    }
    for (PreparedChange change : sorted) {
      if (change.isAccepted() && !change.isDelete()) {
        Decision cascaded = parentRules.cascadedLater(change.record);
        if (cascaded != null) {
          decisions[change.index] = cascaded;
        }
      }
    }
    inheritance.settle();
    SequenceRange written = set.save(side);
    PushResponse.Builder response = PushResponse.newBuilder().setBatchId(batchId);
    int applied = 0;
    int merged = 0;
    int rejected = 0;
    int parked = 0;
    for (PreparedChange change : prepared) {
      Decision decision =
          change.isAccepted() ? decisions[change.index] : Decision.rejected(change.rejection);
      if (decision.status() != ChangeStatus.APPLIED || carriesRecord(change, decision)) {
        // `applied` counts the others: no bytes (and no result built) for "as sent"
        response.addResults(result(change, decision));
      }
      switch (decision.status()) {
        case APPLIED -> applied++;
        case MERGED -> merged++;
        case PARKED -> parked++;
        default -> rejected++;
      }
      journal.change(change, decision);
    }
    if (written != null) {
      response.setWritten(written);
    }
    return response
        .setApplied(applied)
        .setMerged(merged)
        .setRejected(rejected)
        .setParked(parked)
        .setSequence(set.transaction.sequence())
        .setServerHlc(clock.now())
        .build();
  }

  /** Whether the change's result carries the server's record (see {@link #result}). */
  private boolean carriesRecord(PreparedChange change, Decision decision) {
    return decision.includeRecord() && change.id != null && change.record != null;
  }

  private ChangeResult result(PreparedChange change, Decision decision) {
    ChangeResult.Builder result =
        ChangeResult.newBuilder().setIndex(change.index).setStatus(decision.status());
    if (decision.reason() != null) {
      result.setReason(decision.reason());
    }
    result.addAllParkedColumns(decision.parkedColumns());
    WorkingRecord record = change.record;
    if (decision.includeRecord() && record != null) {
      result.setServerRecord(change.hidden ? record.absent() : record.toWire());
    }
    return result.build();
  }

  /**
   * Why a change touches rows the token may not write, or null: the record as stored and, when the
   * change sets it, the new scope must both be among the token's scopes. A table scoped through a
   * parent takes the scope of the parent its via column points at, as this batch leaves it.
   */
  private String outsideScope(
      RowScope scope, PreparedChange change, Map<WorkingRecord, PreparedChange> pending) {
    WorkingRecord current = change.record;
    boolean live = current != null && current.exists && !current.deleted;
    if (live && !scope.admitsValue(change.table, ScopeInheritance.scopeOf(current))) {
      change.hidden = true;
      return change.where() + ": the record is outside the device's scopes " + scope.describe();
    }
    Table table = change.table;
    String column = table.scopeVia() != null ? table.scopeVia() : table.scope();
    if (change.isDelete() || (live && !change.valuesByColumn.containsKey(column))) {
      return null;
    }
    Object value = change.valuesByColumn.get(column);
    if (table.scopeVia() != null) {
      if (scope.admitsValue(table, inheritance.scopeUnder(table, value, pending))) {
        return null;
      }
      return change.where()
          + ", column '"
          + column
          + "': "
          + (value == null
              ? "no parent, so none of the device's scopes "
              : "parent '"
                  + MessageText.abbreviate(value.toString())
                  + "' is not within the device's scopes ")
          + scope.describe()
          + (value == null ? " admits it" : "");
    }
    if (scope.admitsValue(table, value)) {
      return null;
    }
    return change.where()
        + ", column '"
        + column
        + "': "
        + (value == null ? "no value" : "'" + MessageText.abbreviate(value.toString()) + "'")
        + " is not one of the device's scopes "
        + scope.describe();
  }

  private Decision delete(PreparedChange change) {
    WorkingRecord record = change.record;
    if (!record.exists || record.deleted) {
      return Decision.applied(0);
    }
    long baseSeq = change.change.getBaseSeq();
    if (change.table.onDelete() == DeleteRule.UPDATE_WINS
        && record.changedByOthersAfter(baseSeq, token.device())) {
      return Decision.kept(
          change.where()
              + ": updated on the server after sequence "
              + baseSeq
              + " and on_delete is update_wins, so the record stays");
    }
    Decision kept = parentRules.childrenOf(change, record);
    if (kept != null) {
      return kept;
    }
    record.deleted = true;
    record.row = set.version(record, change.hlc);
    return Decision.applied(record.newSeq);
  }

  private Decision upsert(PreparedChange change) {
    WorkingRecord record = change.record;
    Table table = change.table;
    Decision orphan = parentRules.parentsOf(change, record);
    if (orphan != null) {
      return orphan;
    }
    boolean changed = false;
    boolean includeRecord = false;
    if (!record.exists) {
      if (change.change.getOp() == Op.OP_UPDATE) {
        change.unknownRecord = true;
        return Decision.rejected(
            change.where() + ": update of a record the server does not have; send it as OP_INSERT");
      }
      record.exists = true;
      record.deleted = false;
      record.values.put(table.primaryKey().name(), change.id);
      record.row = set.version(record, change.hlc);
      record.created = record.newSeq;
      changed = true;
    } else if (record.deleted) {
      boolean resurrect =
          table.onDelete() == DeleteRule.UPDATE_WINS
              || (change.change.getOp() == Op.OP_INSERT
                  && change.change.getBaseSeq() >= record.seq);
      if (!resurrect) {
        return Decision.kept(
            change.where()
                + ": deleted on the server and on_delete is delete_wins; the edit was not applied");
      }
      record.deleted = false;
      record.values.put(table.primaryKey().name(), change.id);
      record.row = set.version(record, change.hlc);
      changed = true;
      includeRecord = true; // the restored record carries fields the edit did not send
    }
    FieldResolver.Outcome outcome = fields.resolve(change, record);
    List<String> parkedColumns = outcome.parkedColumns;
    ChangeStatus status =
        !parkedColumns.isEmpty()
            ? ChangeStatus.PARKED
            : outcome.merged ? ChangeStatus.MERGED : ChangeStatus.APPLIED;
    String reason =
        status == ChangeStatus.PARKED
            ? change.where()
                + ": concurrent edits of "
                + parkedColumns
                + " went to the review queue"
            : outcome.reason;
    return new Decision(
        status,
        reason,
        parkedColumns,
        changed || outcome.changed ? record.newSeq : 0,
        includeRecord || outcome.includeRecord || status != ChangeStatus.APPLIED);
  }
}
