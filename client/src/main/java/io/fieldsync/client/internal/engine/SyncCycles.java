package io.fieldsync.client.internal.engine;

import io.fieldsync.ConfigException;
import io.fieldsync.SyncException;
import io.fieldsync.client.ResyncResult;
import io.fieldsync.client.SyncResult;
import io.fieldsync.client.VerifyReport;
import io.fieldsync.client.internal.apply.NewerSchemaException;
import io.fieldsync.client.internal.state.DeviceDatabase;
import io.fieldsync.schema.Schema;
import java.time.Clock;
import java.time.Instant;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a client's cycles on its device database one at a time: sync, schema refresh, resync and
 * verify each take the {@link CycleLock} (threads of the client queue, other clients and processes
 * wait or give up), the first cycle of a client checks the server's schema, and a sync cycle keeps
 * its result or error and tells the {@link Events} when it starts, ends or fails. Closing waits for
 * a running cycle and closes the database.
 *
 * <p>Thread-safe.
 */
public final class SyncCycles {
  private static final Logger LOG = LoggerFactory.getLogger(SyncCycles.class);

  /** What a cycle tells the client's listeners. */
  public interface Events extends SyncEngine.Events {
    void syncStarted();

    void syncFinished(SyncResult result);

    void syncFailed(SyncException error);
  }

  private final DeviceDatabase database;
  private final SyncEngine engine;
  private final SchemaRefresh schemaRefresh;
  private final CycleLock cycle;
  private final Clock clock;
  private final Events events;
  private volatile Schema schema;
  private volatile boolean schemaChecked;
  private volatile boolean closed;
  private volatile SyncResult lastResult;
  private volatile String lastError;

  /**
   * @param schemaChecked whether the schema was just downloaded (a new database), so the first
   *     cycle need not check it
   */
  public SyncCycles(
      DeviceDatabase database,
      Schema schema,
      SyncEngine engine,
      SchemaRefresh schemaRefresh,
      CycleLock cycle,
      Clock clock,
      Events events,
      boolean schemaChecked) {
    this.database = database;
    this.schema = schema;
    this.engine = engine;
    this.schemaRefresh = schemaRefresh;
    this.cycle = cycle;
    this.clock = clock;
    this.events = events;
    this.schemaChecked = schemaChecked;
  }

  /** Push then pull (a resync first when one is due); stores when it finished. */
  public SyncResult sync() {
    return locked(this::syncLocked);
  }

  private SyncResult syncLocked() {
    events.syncStarted();
    try {
      Runnable schemaAnswered = checkSchemaAlongside();
      SyncResult result =
          followingSchema(
              () -> {
                SyncResult synced = engine.cycleOrResync(schemaAnswered);
                engine.repairAfterSchemaMove();
                engine.verifyWhenAsked();
                return synced;
              });
      Instant now = clock.instant();
      database.transaction(
          c -> {
            database.state().storeLastSyncAt(now);
            return null;
          });
      lastResult = result;
      lastError = null;
      LOG.debug(
          "sync of {} finished: pushed {}, rejected {}, pulled {}, cursor {}, {} ms",
          database.path(),
          result.pushed(),
          result.rejected(),
          result.pulled(),
          result.cursor(),
          result.duration().toMillis());
      events.syncFinished(result);
      return result;
    } catch (SyncException e) {
      lastError = e.getMessage();
      LOG.debug(
          "sync of {} failed (retriable: {}): {}",
          database.path(),
          e.isRetriable(),
          e.getMessage());
      events.syncFailed(e);
      throw e;
    }
  }

  /** Downloads the server's schema and migrates to a newer one; returns the schema in use. */
  public Schema refreshSchema() {
    return locked(
        () -> {
          refreshSchemaLocked();
          return schema;
        });
  }

  /** Rebuilds the device from a snapshot, continuing an interrupted one. */
  public ResyncResult resync() {
    return locked(
        () -> {
          checkSchemaOnce();
          return followingSchema(
              () ->
                  engine.resync(
                      engine.snapshotInProgress()
                          ? "continuing an interrupted snapshot"
                          : "requested"));
        });
  }

  /** Syncs, then compares with the server and repairs the rows that differ. */
  public VerifyReport verify() {
    return locked(
        () -> {
          checkSchemaOnce();
          return followingSchema(engine::verify);
        });
  }

  private <T> T locked(Supplier<T> work) {
    cycle.lock();
    try {
      ensureOpen();
      return work.get();
    } finally {
      cycle.unlock();
    }
  }

  /**
   * Runs {@code work}; when the server sent data of a newer schema (nothing of which was applied),
   * migrates to the server's schema and runs it again. Stops with a {@link ConfigException} when
   * the server's schema is no newer (a value would otherwise be dropped) or cannot be migrated to.
   */
  private <T> T followingSchema(Supplier<T> work) {
    while (true) {
      try {
        return work.get();
      } catch (SchemaCheck.Moved e) {
        LOG.debug("{}: {}; making the push again", database.path(), e.getMessage());
      } catch (NewerSchemaException e) {
        int before = schema.version();
        LOG.info("{}: {}; migrating before applying it", database.path(), e.getMessage());
        refreshSchemaLocked();
        if (schema.version() <= before) {
          throw new ConfigException(
              e.getMessage()
                  + ", and the server's schema (GET /v1/schema) is not newer than version "
                  + before
                  + "; nothing of it was applied, and syncing stops rather than drop the value",
              e);
        }
      }
    }
  }

  private void checkSchemaOnce() {
    if (!schemaChecked) {
      refreshSchemaLocked();
    }
  }

  /**
   * The first cycle's schema check, with the request under way while the cycle reads and encodes
   * its first push batch: the returned gate, run before anything is stored for sending or sent,
   * waits for the answer and migrates to a newer schema, throwing {@link SchemaCheck.Moved} then
   * (the batch made for the old schema is dropped, nothing of it stored). A no-op gate when the
   * schema was checked already.
   */
  private Runnable checkSchemaAlongside() {
    if (schemaChecked) {
      return () -> {};
    }
    return new SchemaCheck(
        schemaRefresh::fetch,
        response -> {
          boolean moved = useSchema(schemaRefresh.refresh(schema, response));
          schemaChecked = true;
          return moved;
        });
  }

  private void refreshSchemaLocked() {
    useSchema(schemaRefresh.refresh(schema));
    schemaChecked = true;
  }

  /** Follows {@code current}; whether it differs from the schema followed so far. */
  private boolean useSchema(Schema current) {
    if (current == schema) {
      return false;
    }
    schema = current;
    engine.useSchema(current);
    return true;
  }

  /** The schema the database follows. */
  public Schema schema() {
    return schema;
  }

  /** The last sync cycle's result, or null. */
  public SyncResult lastResult() {
    return lastResult;
  }

  /** The last sync cycle's error message, or null after a success. */
  public String lastError() {
    return lastError;
  }

  /**
   * @throws IllegalStateException when the client is closed
   */
  public void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("client for " + database.path() + " is closed");
    }
  }

  /** Waits for a running cycle, then closes the lock file, the engine and the database. */
  public void close() {
    cycle.local().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      cycle.close();
      engine.close();
      database.close();
    } finally {
      cycle.local().unlock();
    }
  }
}
