package io.fieldsync.client.internal.engine;

import io.fieldsync.ResyncRequiredException;
import io.fieldsync.client.ResyncResult;
import io.fieldsync.client.SyncProgress;
import io.fieldsync.client.SyncResult;
import io.fieldsync.client.VerifyReport;
import io.fieldsync.client.internal.apply.Applier;
import io.fieldsync.client.internal.apply.Puller;
import io.fieldsync.client.internal.outbox.Pusher;
import io.fieldsync.client.internal.recovery.Snapshot;
import io.fieldsync.client.internal.recovery.Verifier;
import io.fieldsync.client.internal.state.DeviceDatabase;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.schema.Schema;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device's sync cycle: push the outbox ({@link Pusher}, exactly once), then pull what the
 * server has ({@link Puller}, page by page). When the server says the device must resync, or a
 * snapshot was interrupted, the cycle first rebuilds the device's view from a snapshot ({@link
 * Snapshot}); {@link #verify} compares and repairs ({@link Verifier}).
 *
 * <p>Not thread-safe: the client runs one cycle at a time on its own connection.
 */
public final class SyncEngine {
  private static final Logger LOG = LoggerFactory.getLogger(SyncEngine.class);

  /** Receives what a cycle finds, after the transaction that found it has committed. */
  public interface Events extends Pusher.Events {
    void resyncStarted(String reason);

    void snapshotProgress(long done, long totalEstimate, boolean finished);

    /** A push of several batches, a pull of several pages or a snapshot page moved on. */
    void syncProgress(SyncProgress progress);

    /**
     * The cycle wrote server data into these rows (table to record ids), committed; an empty id
     * set: rows of that table changed, which ones is not known.
     */
    void rowsChanged(Map<String, Set<String>> recordIds);

    /** A push is about to send and then delete the outbox rows captured so far. */
    void pushStarting();

    /**
     * Whether {@link #syncProgress} reports reach anyone. Working a pull page's progress out (its
     * encoded size) costs about a fifth of applying it, so it is skipped for nobody.
     */
    default boolean hearsProgress() {
      return true;
    }

    /** Whether {@link #rowsChanged} reaches anyone: the id lists are not built for nobody. */
    default boolean hearsRowsChanged() {
      return true;
    }
  }

  private final DeviceDatabase database;
  private final String tenant;
  private final Transport transport;
  private final Clock clock;
  private final Random random;
  private final EngineSettings settings;
  private final Events events;
  private Schema schema;
  private Applier applier;
  private Pusher pusher;
  private Puller puller;

  public SyncEngine(
      DeviceDatabase database,
      Schema schema,
      String tenant,
      Transport transport,
      Clock clock,
      Random random,
      EngineSettings settings,
      Events events) {
    this.database = database;
    this.tenant = tenant;
    this.transport = transport;
    this.clock = clock;
    this.random = random;
    this.settings = settings;
    this.events = events;
    useSchema(schema);
  }

  /** Follows a migrated schema from the next cycle on. */
  public void useSchema(Schema schema) {
    this.schema = schema;
    if (applier != null) {
      applier.close();
    }
    applier = new Applier(schema);
    pusher =
        new Pusher(
            database,
            schema,
            applier,
            transport,
            clock,
            random,
            tenant,
            settings.batchSize(),
            events);
    puller =
        new Puller(
            database,
            schema,
            applier,
            transport,
            settings.pullPageSize(),
            events,
            settings.faults());
  }

  /** A cycle, or a resync first when a snapshot is unfinished or the server requires one. */
  public SyncResult cycleOrResync() {
    return cycleOrResync(() -> {});
  }

  /**
   * {@link #cycleOrResync()}, running {@code beforeSending} before anything is stored for sending
   * or sent to the server (again before each push batch, so it must be cheap once it has run). The
   * first push batch is read and encoded before it runs.
   */
  public SyncResult cycleOrResync(Runnable beforeSending) {
    if (Snapshot.inProgress(database)) {
      beforeSending.run();
      resync("continuing an interrupted snapshot");
      return cycle(beforeSending);
    }
    try {
      return cycle(beforeSending);
    } catch (ResyncRequiredException e) {
      LOG.info("{}: resync required: {}", database.path(), e.getMessage());
      if (e.lastDeviceBatch() > 0) {
        pusher.continueAfter(e.lastDeviceBatch());
      }
      resync(e.getMessage());
      return cycle(beforeSending);
    }
  }

  /** Push then pull. */
  private SyncResult cycle(Runnable beforeSending) {
    long started = clock.millis();
    Pusher.Outcome pushed = push(beforeSending);
    beforeSending.run();
    Puller.Outcome pulled = puller.pull(new CycleProgress(database, events));
    return new SyncResult(
        pushed.pushed(),
        pushed.applied(),
        pushed.merged(),
        pushed.rejected(),
        pushed.parked(),
        pulled.pulled(),
        pushed.conflicts() + pulled.conflicts(),
        pulled.cursor(),
        Duration.ofMillis(Math.max(0, clock.millis() - started)));
  }

  /**
   * Rebuilds the device's view from a paged snapshot of the server, after pushing the outbox (so no
   * local edit is lost); continues an interrupted snapshot when there is one.
   */
  public ResyncResult resync(String reason) {
    events.resyncStarted(reason);
    try {
      push(() -> {});
    } catch (ResyncRequiredException e) {
      if (e.lastDeviceBatch() == 0) {
        throw e;
      }
      pusher.continueAfter(e.lastDeviceBatch());
      push(() -> {});
    }
    CycleProgress progress = new CycleProgress(database, events);
    Snapshot.Outcome outcome =
        new Snapshot(database, schema, transport, settings.pullPageSize())
            .run(
                (page, done, total, finished) -> {
                  events.snapshotProgress(done, total, finished);
                  progress.snapshotPage(page, done, total, finished);
                });
    if (outcome.removed() > 0) {
      allTablesChanged();
    }
    LOG.info(
        "resync of {} finished: {} records, {} pages, {} local rows removed, cursor {}",
        database.path(),
        outcome.records(),
        outcome.pages(),
        outcome.removed(),
        outcome.cursor());
    return new ResyncResult(
        outcome.records(), outcome.pages(), outcome.removed(), outcome.cursor());
  }

  private Pusher.Outcome push(Runnable beforeSending) {
    events.pushStarting();
    return pusher.push(new CycleProgress(database, events), beforeSending);
  }

  /** Tells of a change to rows not listed one by one: every table may have changed. */
  private void allTablesChanged() {
    Map<String, Set<String>> all = new LinkedHashMap<>();
    for (String table : schema.tables().keySet()) {
      all.put(table, Set.of());
    }
    events.rowsChanged(all);
  }

  /** Whether an interrupted snapshot waits to be continued. */
  public boolean snapshotInProgress() {
    return Snapshot.inProgress(database);
  }

  /** Syncs, then compares the device's rows with the server's and repairs those that differ. */
  public VerifyReport verify() {
    cycleOrResync();
    return compareAndRepair("verify");
  }

  /**
   * After a schema move that added columns or tables, or an upgrade from a library that skipped
   * values of them, compares the rows with the server's and repairs those that differ: records
   * pulled before may lack values of the new columns. Done again by the next sync while records
   * with pending edits were skipped.
   */
  public void repairAfterSchemaMove() {
    if (database.read(c -> database.state().schemaRepairPending())) {
      compareAndRepair("schema move repair");
    }
  }

  /**
   * When a push answer asked for it ({@code PushResponse.verify_reason}: the server saw signs that
   * this device's rows differ from its own), compares the rows with the server's and repairs those
   * that differ, then forgets the request.
   */
  public void verifyWhenAsked() {
    String reason = database.read(c -> database.state().verifyRequested());
    if (reason == null) {
      return;
    }
    LOG.warn("the server asked {} to verify its rows: {}", database.path(), reason);
    compareAndRepair("verify asked for by the server");
    database.transaction(
        c -> {
          database.state().storeVerifyRequested(null);
          return null;
        });
  }

  private VerifyReport compareAndRepair(String what) {
    VerifyReport report = new Verifier(database, schema, transport).run();
    if (!report.repaired().isEmpty()) {
      Map<String, Set<String>> repaired = new LinkedHashMap<>();
      for (VerifyReport.Repair repair : report.repaired()) {
        repaired
            .computeIfAbsent(repair.table(), table -> new LinkedHashSet<>())
            .add(repair.recordId());
      }
      events.rowsChanged(repaired);
    }
    LOG.info(
        "{} of {}: {} records compared in {} requests, {} repaired, {} skipped (pending)",
        what,
        database.path(),
        report.records(),
        report.requests(),
        report.repaired().size(),
        report.skipped().size());
    if (report.skipped().isEmpty()) {
      database.transaction(
          c -> {
            database.state().storeSchemaRepairPending(false);
            return null;
          });
    }
    return report;
  }

  /** Closes the cached statements. */
  public void close() {
    applier.close();
  }
}
