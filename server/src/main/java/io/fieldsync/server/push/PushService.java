package io.fieldsync.server.push;

import io.fieldsync.ProtocolException;
import io.fieldsync.ResyncRequiredException;
import io.fieldsync.order.ForeignKeyOrder;
import io.fieldsync.schema.Schema;
import io.fieldsync.server.ServerClock;
import io.fieldsync.server.TokenClaims;
import io.fieldsync.store.SyncStore;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides a pushed batch, using only the store SPI so it runs on every backend. The path reads top
 * down:
 *
 * <ol>
 *   <li>{@link PushChecks}: the request as a whole (schema version, size, batch id);
 *   <li>{@link BatchLedger}: a batch id already committed is answered with its recorded outcome,
 *       and a device database older than its own history must resync;
 *   <li>{@link ChangeValidator}: every change against the schema and the token, without touching
 *       the store; a change that fails is rejected with a reason and the others go on;
 *   <li>{@link BatchCommit}, in one store write transaction: the batch id is checked again (so two
 *       deliveries racing each other cannot both apply), the accepted changes are decided in
 *       foreign-key order ({@link FieldResolver} per field with the column's conflict strategy,
 *       {@link ParentDeleteRules} for deleted parents and live children), every changed record gets
 *       the next sequence, {@link BatchJournal} journals every change with its outcome, and the
 *       ledger records the response under the batch id;
 *   <li>{@link DivergenceSigns}: signs that the device's rows differ from the server's ask it to
 *       verify.
 * </ol>
 *
 * <p>Thread-safe (stateless apart from the clock and the helper thread of {@link SideWork}). Not
 * API: public for the server's wiring only.
 */
public final class PushService {
  /** The outcome of a push and how many device stamps were capped on the way. */
  public record Outcome(PushResponse response, int skewCapped, long maxAheadMillis) {}

  private final SyncStore store;
  private final ForeignKeyOrder order;
  private final ServerClock clock;
  private final SchemaColumns columns;
  private final PushChecks checks;
  private final BatchLedger ledger;
  private final SideWork side;
  private final ChangeValidator validator;
  private final DivergenceSigns divergence = new DivergenceSigns();

  /**
   * @param maxBatchChanges the most changes one push may carry
   */
  public PushService(SyncStore store, Schema schema, ServerClock clock, int maxBatchChanges) {
    this.store = store;
    this.order = new ForeignKeyOrder(schema);
    this.clock = clock;
    this.columns = new SchemaColumns(schema);
    this.checks = new PushChecks(schema, maxBatchChanges);
    this.ledger = new BatchLedger(store);
    this.side = new SideWork();
    this.validator = new ChangeValidator(columns, side);
  }

  /**
   * Decides and commits the batch, or answers a batch id committed before with its outcome.
   *
   * @throws ProtocolException when the push as a whole is malformed
   * @throws ResyncRequiredException when the device database is older than its history
   * @throws io.fieldsync.StorageException when the store fails
   */
  public Outcome push(TokenClaims token, PushRequest request) {
    checks.check(request);
    String batchId = request.getBatchId();
    Optional<PushResponse> recorded = ledger.recorded(token, batchId);
    if (recorded.isPresent()) {
      return new Outcome(recorded.get(), 0, 0);
    }
    ledger.requireCurrentDatabase(token, request);
    ServerClock.Guard guard = clock.guard();
    guard.admit(request.getDeviceHlc());
    List<PreparedChange> prepared = validator.prepare(token, request, guard);
    // Everything that depends only on the request is done here, outside the store's writer.
    List<PreparedChange> accepted = new ArrayList<>(prepared.size());
    for (PreparedChange change : prepared) {
      if (change.isAccepted()) {
        accepted.add(change);
      }
    }
    List<PreparedChange> sorted = order.sort(accepted, PreparedChange.FOREIGN_KEYS);
    PushResponse response =
        store.write(
            token.tenant(),
            transaction -> {
              Optional<PushResponse> raced = ledger.recorded(transaction, token.device(), batchId);
              if (raced.isPresent()) {
                return raced.get();
              }
              ledger.noteDeviceBatch(transaction, token.device(), request);
              PushResponse committed =
                  new BatchCommit(
                          transaction, columns, clock, token, batchId, prepared, sorted, side)
                      .run();
              ledger.record(transaction, token.device(), committed);
              return committed;
            });
    String verify = divergence.reason(token, request, prepared, response);
    if (verify != null) {
      response = response.toBuilder().setVerifyReason(verify).build();
    }
    return new Outcome(response, guard.capped(), guard.maxAheadMillis());
  }
}
