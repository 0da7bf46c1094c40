package io.fieldsync.client;

import io.fieldsync.ConfigException;
import io.fieldsync.StorageException;
import io.fieldsync.SyncException;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaCodec;
import io.fieldsync.wire.SchemaResponse;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A device's local fieldsync database and its link to the server.
 *
 * <p>The application reads and writes its tables with plain SQL through {@link #connection()} (or
 * any other SQLite connection to the same file, even the {@code sqlite3} shell): triggers record
 * every change in an outbox. {@link #syncNow()} pushes the outbox and pulls what the server has.
 *
 * <pre>{@code
 * try (FieldSyncClient client =
 *     FieldSyncClient.init(Path.of("survey.db"), URI.create("https://sync.example.org"), token)) {
 *   try (Connection db = client.connection()) {
 *     db.createStatement().execute("INSERT INTO households (id, region) VALUES ('…', 'north')");
 *   }
 *   SyncResult result = client.syncNow();
 * }
 * }</pre>
 *
 * <p>Thread-safe: every method may be called from any thread; at most one sync cycle runs at a time
 * per client ({@link #syncNow()} waits for a running cycle). Only one client instance should sync a
 * given database file at a time.
 */
public final class FieldSyncClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FieldSyncClient.class);

  private final Path database;
  private final Transport transport;
  private final Clock clock;
  private final Connection engineConnection;
  private final SyncEngine engine;
  private final CycleLock cycle;
  private final List<SyncListener> listeners = new CopyOnWriteArrayList<>();
  private volatile Schema schema;
  private volatile boolean schemaChecked;
  private volatile boolean closed;
  private volatile SyncResult lastResult;
  private volatile String lastError;
  private final SyncEngine.Settings settings;
  private volatile SyncWorker worker;

  private FieldSyncClient(
      Path database,
      Connection engineConnection,
      Schema schema,
      String tenant,
      Transport transport,
      Clock clock,
      RandomGenerator random,
      SyncEngine.Settings settings,
      boolean schemaChecked,
      Duration lockWait) {
    this.database = database;
    this.cycle = new CycleLock(database, lockWait);
    this.engineConnection = engineConnection;
    this.schema = schema;
    this.transport = transport;
    this.clock = clock;
    this.schemaChecked = schemaChecked;
    this.settings = settings;
    this.engine =
        new SyncEngine(
            engineConnection,
            schema,
            tenant,
            transport,
            clock,
            random,
            settings,
            new SyncEngine.Events() {
              @Override
              public void conflict(String table, String recordId, String column) {
                notifyListeners(listener -> listener.conflict(table, recordId, column));
              }

              @Override
              public void rejected(RejectedChange change) {
                notifyListeners(listener -> listener.rejected(change));
              }
            });
  }

  /**
   * Creates a device database: downloads the schema from the server, creates the tables, the
   * capture triggers and the sync state. The device id and tenant come from the server's answer for
   * the token.
   *
   * @param database the SQLite file to create (its directory must exist)
   * @param server the server's base URL
   * @param token the device's bearer token; it is stored in the database for {@link #open(Path)}
   * @throws ConfigException when the database is already initialized
   * @throws io.fieldsync.TransportException when the server cannot be reached (retriable)
   * @throws io.fieldsync.AuthException when the server refuses the token
   * @throws StorageException when the database cannot be written
   */
  public static FieldSyncClient init(Path database, URI server, String token) {
    return builder(database).server(server).token(token).initialize();
  }

  /**
   * Opens a database made by {@link #init}, with the server URL and token stored in it.
   *
   * @throws ConfigException when the file is missing or not a fieldsync device database
   * @throws StorageException when the database cannot be read
   */
  public static FieldSyncClient open(Path database) {
    return builder(database).open();
  }

  /** A builder for the less common settings: transport, clock, randomness, batch sizes. */
  public static Builder builder(Path database) {
    return new Builder(database);
  }

  /**
   * A new JDBC connection to the local database for the application's own SQL; the caller closes
   * it. Writes through it (or any other connection) are captured by triggers. Foreign keys are not
   * enforced locally (pulled pages may bring a child before its parent) and the busy timeout is 10
   * s.
   *
   * @throws StorageException when the database cannot be opened
   */
  public Connection connection() {
    ensureOpen();
    return LocalStore.connect(database, false);
  }

  /**
   * Runs one sync cycle now: push the outbox (resending an unacknowledged batch first), then pull
   * every page the server has. Waits for a cycle already running on another thread. The first cycle
   * of a client instance also checks the server's schema and migrates additive changes.
   *
   * @return what the cycle did
   * @throws io.fieldsync.TransportException when the network failed; retrying later is safe
   * @throws io.fieldsync.AuthException when the token is refused
   * @throws io.fieldsync.ProtocolException when the server refused a request or answered garbage
   * @throws StorageException when the local database failed
   * @throws ConfigException when the server's schema changed in a way a device cannot migrate
   */
  public SyncResult syncNow() {
    cycle.lock();
    try {
      ensureOpen();
      notifyListeners(SyncListener::syncStarted);
      try {
        if (!schemaChecked) {
          refreshSchemaLocked();
        }
        SyncResult result = cycleOrResync();
        Instant now = clock.instant();
        LocalStore.transaction(
            engineConnection,
            c -> {
              LocalStore.putMeta(c, LocalStore.META_LAST_SYNC_AT, now.toEpochMilli());
              return null;
            });
        lastResult = result;
        lastError = null;
        LOG.debug(
            "sync of {} finished: pushed {}, rejected {}, pulled {}, cursor {}, {} ms",
            database,
            result.pushed(),
            result.rejected(),
            result.pulled(),
            result.cursor(),
            result.duration().toMillis());
        notifyListeners(listener -> listener.syncFinished(result));
        return result;
      } catch (SyncException e) {
        lastError = e.getMessage();
        LOG.debug(
            "sync of {} failed (retriable: {}): {}", database, e.isRetriable(), e.getMessage());
        notifyListeners(listener -> listener.syncFailed(e));
        throw e;
      }
    } finally {
      cycle.unlock();
    }
  }

  /**
   * Downloads the server's schema and, when its version is newer, migrates the local tables and
   * triggers (new tables, new columns). Waits for a running sync cycle.
   *
   * @return the schema in use afterwards
   * @throws ConfigException when the change is not additive
   * @throws io.fieldsync.TransportException when the server cannot be reached (retriable)
   * @throws io.fieldsync.AuthException when the token is refused
   */
  public Schema refreshSchema() {
    cycle.lock();
    try {
      ensureOpen();
      refreshSchemaLocked();
      return schema;
    } finally {
      cycle.unlock();
    }
  }

  private void refreshSchemaLocked() {
    SchemaResponse response = transport.schema();
    checkIdentity(response);
    Schema remote = SchemaCodec.fromWire(response.getSchema());
    Schema local = schema;
    if (remote.version() > local.version()) {
      try {
        LocalStore.migrate(engineConnection, local, remote, response.getSchema());
      } catch (SQLException e) {
        throw LocalStore.storage(e);
      }
      LOG.info(
          "migrated {} from schema version {} to {}", database, local.version(), remote.version());
      schema = remote;
      engine.useSchema(remote);
    } else if (remote.version() < local.version()) {
      LOG.warn(
          "server schema version {} is older than the local version {}; keeping the local one",
          remote.version(),
          local.version());
    }
    schemaChecked = true;
  }

  /**
   * Refuses a token issued for another tenant or device than the database's: its pulls would mix
   * another tenant's rows and sequence into this database, and the server would attribute this
   * device's edits to another device.
   */
  private void checkIdentity(SchemaResponse response) {
    String tenant;
    String device;
    try {
      tenant = LocalStore.metaText(engineConnection, LocalStore.META_TENANT);
      device = LocalStore.state(engineConnection).device();
    } catch (SQLException e) {
      throw LocalStore.storage(e);
    }
    if (!Objects.equals(nullToEmpty(tenant), response.getTenant())
        || !Objects.equals(device, response.getDevice())) {
      throw new ConfigException(
          "the token is for tenant '"
              + response.getTenant()
              + "', device '"
              + response.getDevice()
              + "', but "
              + database
              + " belongs to tenant '"
              + nullToEmpty(tenant)
              + "', device '"
              + device
              + "'; use a token minted for this device");
    }
  }

  private static String nullToEmpty(String text) {
    return text == null ? "" : text;
  }

  /** The schema the local database follows. Thread-safe. */
  public Schema schema() {
    return schema;
  }

  /**
   * A snapshot of the sync state, read from the database.
   *
   * @throws StorageException when the database cannot be read
   */
  public SyncStatus status() {
    ensureOpen();
    try (Connection c = LocalStore.connect(database, false)) {
      LocalStore.State state = LocalStore.state(c);
      Object lastSync = LocalStore.meta(c, LocalStore.META_LAST_SYNC_AT);
      return new SyncStatus(
          state.device(),
          LocalStore.metaText(c, LocalStore.META_TENANT),
          schema.version(),
          state.cursor(),
          LocalStore.count(c, "_fs_changelog"),
          LocalStore.count(c, "_fs_rejected"),
          lastResult,
          lastSync instanceof Long millis ? Instant.ofEpochMilli(millis) : null,
          lastError);
    } catch (SQLException e) {
      throw LocalStore.storage(e);
    }
  }

  /**
   * Changes the server refused, oldest first. They stay until the application deletes them from
   * {@code _fs_rejected}.
   *
   * @throws StorageException when the database cannot be read
   */
  public List<RejectedChange> rejected() {
    ensureOpen();
    List<RejectedChange> result = new ArrayList<>();
    try (Connection c = LocalStore.connect(database, false);
        PreparedStatement select =
            c.prepareStatement(
                "SELECT id, tbl, rid, op, vals, reason, batch_id, at FROM _fs_rejected ORDER BY id");
        ResultSet rows = select.executeQuery()) {
      while (rows.next()) {
        result.add(
            new RejectedChange(
                rows.getLong(1),
                rows.getString(2),
                rows.getString(3),
                rows.getString(4),
                rows.getString(5),
                rows.getString(6),
                rows.getString(7),
                Instant.ofEpochMilli(rows.getLong(8))));
      }
    } catch (SQLException e) {
      throw LocalStore.storage(e);
    }
    return result;
  }

  /**
   * This device's edits that the server parked in its review queue, oldest first. An entry goes
   * away when a pull brings the server's resolution of it.
   *
   * @throws StorageException when the database cannot be read
   */
  public List<ParkedEdit> parked() {
    ensureOpen();
    try (Connection c = LocalStore.connect(database, false)) {
      return ParkedEdits.list(c);
    } catch (SQLException e) {
      throw LocalStore.storage(e);
    }
  }

  /** Adds a listener for sync events. Thread-safe. */
  public void addListener(SyncListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  public void removeListener(SyncListener listener) {
    listeners.remove(listener);
  }

  // ---------------------------------------------------------------- always-on sync (issue 5)

  /** A cycle, or a resync when a snapshot is unfinished or the server requires one. */
  private SyncResult cycleOrResync() {
    if (snapshotInProgress()) {
      resyncLocked("continuing an interrupted snapshot");
      return engine.cycle();
    }
    try {
      return engine.cycle();
    } catch (ResyncRequiredException e) {
      LOG.info("{}: resync required: {}", database, e.getMessage());
      if (e.lastDeviceBatch() > 0) {
        engine.continueAfter(e.lastDeviceBatch());
      }
      resyncLocked(e.getMessage());
      return engine.cycle();
    }
  }

  private boolean snapshotInProgress() {
    try {
      return Snapshot.inProgress(engineConnection);
    } catch (SQLException e) {
      throw LocalStore.storage(e);
    }
  }

  private ResyncResult resyncLocked(String reason) {
    notifyListeners(listener -> listener.resyncStarted(reason));
    try {
      engine.push();
    } catch (ResyncRequiredException e) {
      if (e.lastDeviceBatch() == 0) {
        throw e;
      }
      engine.continueAfter(e.lastDeviceBatch());
      engine.push();
    }
    Snapshot.Outcome outcome =
        new Snapshot(engineConnection, schema, transport, settings.pullPageSize())
            .run(
                (done, total, finished) ->
                    notifyListeners(listener -> listener.snapshotProgress(done, total, finished)));
    LOG.info(
        "resync of {} finished: {} records, {} pages, {} local rows removed, cursor {}",
        database,
        outcome.records(),
        outcome.pages(),
        outcome.removed(),
        outcome.cursor());
    return new ResyncResult(
        outcome.records(), outcome.pages(), outcome.removed(), outcome.cursor());
  }

  /**
   * Rebuilds the device's view from a paged snapshot of the server: pushes the outbox first (so
   * pending edits survive), pulls every live record page by page (resuming an interrupted snapshot
   * where it stopped), deletes local rows the server no longer has unless they have pending edits,
   * and sets the cursor. {@link #syncNow()} does this by itself when the server answers "resync
   * required" or a snapshot was interrupted. Progress goes to {@link
   * SyncListener#snapshotProgress}. Waits for a running cycle.
   *
   * @throws io.fieldsync.TransportException when the network failed; calling again resumes
   * @throws io.fieldsync.AuthException when the token is refused
   * @throws StorageException when the local database failed
   */
  public ResyncResult resync() {
    cycle.lock();
    try {
      ensureOpen();
      if (!schemaChecked) {
        refreshSchemaLocked();
      }
      return resyncLocked(
          snapshotInProgress() ? "continuing an interrupted snapshot" : "requested");
    } finally {
      cycle.unlock();
    }
  }

  /**
   * Checks that the device's rows match the server's and repairs those that differ: runs a sync
   * cycle, compares per-table checksums in one request, narrows mismatches down by id ranges, and
   * rewrites only the differing records from the server; pending local edits are never overwritten
   * (they stay on top, as in a pull). See docs/recovery.md. Waits for a running cycle.
   *
   * @throws io.fieldsync.TransportException when the network failed (retriable)
   * @throws io.fieldsync.AuthException when the token is refused
   * @throws io.fieldsync.ProtocolException when the server cannot verify
   * @throws StorageException when the local database failed
   */
  public VerifyReport verify() {
    cycle.lock();
    try {
      ensureOpen();
      if (!schemaChecked) {
        refreshSchemaLocked();
      }
      cycleOrResync();
      VerifyReport report = new Verifier(engineConnection, schema, transport).run();
      LOG.info(
          "verify of {}: {} records compared in {} requests, {} repaired, {} skipped (pending)",
          database,
          report.records(),
          report.requests(),
          report.repaired().size(),
          report.skipped().size());
      return report;
    } finally {
      cycle.unlock();
    }
  }

  /**
   * Starts a background worker that keeps this device in sync (see {@link SyncWorker}); {@link
   * #close()} stops it.
   *
   * @throws IllegalStateException when a worker is already running
   */
  public synchronized SyncWorker startWorker(WorkerOptions options) {
    ensureOpen();
    if (worker != null && worker.status().state() != SyncWorker.State.STOPPED) {
      throw new IllegalStateException("a worker is already running for " + database);
    }
    SyncWorker started = new SyncWorker(this, database, transport, options);
    worker = started;
    started.start();
    return started;
  }

  /**
   * The worker's status: the running worker's own, or else what the last worker on this database
   * recorded (state {@code STOPPED}, last error, the server sequence it heard of and so the lag).
   *
   * @throws StorageException when the database cannot be read
   */
  public WorkerStatus workerStatus() {
    SyncWorker running = worker;
    if (running != null && running.status().state() == SyncWorker.State.RUNNING) {
      return running.status();
    }
    ensureOpen();
    try (Connection c = LocalStore.connect(database, false)) {
      long cursor = LocalStore.state(c).cursor();
      Object heard = LocalStore.meta(c, SyncWorker.META_SERVER_SEQUENCE);
      long sequence = Math.max(cursor, heard instanceof Long number ? number : 0L);
      Object lastSync = LocalStore.meta(c, LocalStore.META_LAST_SYNC_AT);
      return new WorkerStatus(
          SyncWorker.State.STOPPED,
          false,
          false,
          false,
          LocalStore.count(c, "_fs_changelog"),
          cursor,
          sequence,
          sequence - cursor,
          lastSync instanceof Long millis ? Instant.ofEpochMilli(millis) : null,
          LocalStore.metaText(c, SyncWorker.META_LAST_ERROR),
          0,
          null,
          false,
          running == null ? null : running.status().stopReason());
    } catch (SQLException e) {
      throw LocalStore.storage(e);
    }
  }

  /** The worker started by {@link #startWorker}, or null. */
  public SyncWorker worker() {
    return worker;
  }

  /** Stops the worker (if any), waits for a running cycle, then closes the client. Idempotent. */
  @Override
  public void close() {
    SyncWorker running = worker;
    if (running != null) {
      running.close();
    }
    cycle.local().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      cycle.close();
      engineConnection.close();
    } catch (SQLException e) {
      throw LocalStore.storage(e);
    } finally {
      cycle.local().unlock();
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("client for " + database + " is closed");
    }
  }

  private void notifyListeners(java.util.function.Consumer<SyncListener> event) {
    for (SyncListener listener : listeners) {
      try {
        event.accept(listener);
      } catch (RuntimeException e) {
        LOG.warn("sync listener {} failed", listener, e);
      }
    }
  }

  /**
   * Settings for {@link FieldSyncClient}. Defaults: the server URL and token stored in the
   * database, an {@link HttpTransport} with 10 s connect and 60 s request timeouts, the system UTC
   * clock, batch ids from a {@link SecureRandom}, 500 records per push batch, 1000 per pull page.
   * Not thread-safe.
   */
  public static final class Builder {
    private final Path database;
    private List<URI> servers;
    private String token;
    private Transport transport;
    private Clock clock = Clock.systemUTC();
    private RandomGenerator random;
    private int batchSize = 500;
    private int pullPageSize = 1000;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(60);
    private Duration lockWait = Duration.ofSeconds(60);

    private Builder(Path database) {
      this.database = Objects.requireNonNull(database, "database");
    }

    /** The server's base URL; overrides the one(s) stored in the database. */
    public Builder server(URI server) {
      this.servers = List.of(Objects.requireNonNull(server, "server"));
      return this;
    }

    /**
     * Several server nodes of one deployment (stateless nodes on one database): each call goes to
     * one node and moves to the next when it cannot be reached ({@link FailoverTransport}). A
     * device's cursor is valid on every node. Overrides the URLs stored in the database; at {@link
     * #initialize()} the list is stored for later {@link #open()}s.
     */
    public Builder servers(List<URI> servers) {
      Objects.requireNonNull(servers, "servers");
      if (servers.isEmpty()) {
        throw new IllegalArgumentException("servers needs at least one server URL");
      }
      this.servers = List.copyOf(servers);
      return this;
    }

    /** The bearer token; overrides (and on open, does not replace) the stored one. */
    public Builder token(String token) {
      this.token = Objects.requireNonNull(token, "token");
      return this;
    }

    /** A transport to use instead of HTTP (tests, the testkit's faulty transports). */
    public Builder transport(Transport transport) {
      this.transport = Objects.requireNonNull(transport, "transport");
      return this;
    }

    /** The wall clock for timestamps the library keeps (not for HLCs, which SQL makes). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Batch ids from a generator seeded with {@code seed}, for reproducible tests. Batch ids stay
     * unique per device anyway (they also carry the batch's log position).
     */
    public Builder seed(long seed) {
      this.random = new SplittableRandom(seed);
      return this;
    }

    public Builder random(RandomGenerator random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /** Most records per push request (default 500). */
    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /** Records per pull page asked of the server (default 1000; the server caps it). */
    public Builder pullPageSize(int pullPageSize) {
      this.pullPageSize = pullPageSize;
      return this;
    }

    /**
     * How long a sync cycle waits for another one on the same database (another thread, client or
     * process) to finish before it fails with a retriable error (default 60 s).
     */
    public Builder lockWait(Duration lockWait) {
      Objects.requireNonNull(lockWait, "lockWait");
      if (lockWait.isNegative()) {
        throw new IllegalArgumentException("lockWait must not be negative, found " + lockWait);
      }
      this.lockWait = lockWait;
      return this;
    }

    public Builder timeouts(Duration connect, Duration request) {
      this.connectTimeout = Objects.requireNonNull(connect, "connect");
      this.requestTimeout = Objects.requireNonNull(request, "request");
      return this;
    }

    /**
     * Creates and initializes the device database from the server's schema.
     *
     * @throws ConfigException when the database is already initialized, or neither a server URL and
     *     token nor a transport were given
     * @throws io.fieldsync.TransportException when the server cannot be reached (retriable)
     * @throws io.fieldsync.AuthException when the server refuses the token
     * @throws StorageException when the database cannot be written
     */
    public FieldSyncClient initialize() {
      SyncEngine.Settings settings = new SyncEngine.Settings(batchSize, pullPageSize);
      Transport chosen = transport;
      if (chosen == null) {
        if (servers == null || token == null) {
          throw new ConfigException("initialize needs a server URL and a token, or a transport");
        }
        chosen = http(servers, token);
      }
      Connection connection = LocalStore.connect(database, true);
      try {
        if (LocalStore.isInitialized(connection)) {
          throw new ConfigException(
              database + " is already a fieldsync device database; open it instead");
        }
        SchemaResponse response = chosen.schema();
        Schema schema = SchemaCodec.fromWire(response.getSchema());
        if (response.getDevice().isEmpty()) {
          throw new io.fieldsync.ProtocolException(
              "schema response names no device; the token must be a device token");
        }
        LocalStore.initialize(
            connection,
            response.getSchema(),
            schema,
            response.getTenant(),
            response.getDevice(),
            response.getServerHlc(),
            servers == null ? null : servers.get(0).toString(),
            token);
        if (servers != null && servers.size() > 1) {
          // server_url keeps the first node, so readers that know only one URL still work; a crash
          // before this commit leaves a device that syncs through that node alone.
          List<URI> all = servers;
          LocalStore.transaction(
              connection,
              c -> {
                LocalStore.putMeta(c, LocalStore.META_SERVERS, joinUrls(all));
                return null;
              });
        }
        return new FieldSyncClient(
            database,
            connection,
            schema,
            response.getTenant(),
            chosen,
            clock,
            random(),
            settings,
            true,
            lockWait);
      } catch (SQLException e) {
        close(connection);
        throw LocalStore.storage(e);
      } catch (RuntimeException e) {
        close(connection);
        throw e;
      }
    }

    /**
     * Opens an initialized device database.
     *
     * @throws ConfigException when the file is missing or not initialized, or no server URL and
     *     token are stored or given
     * @throws StorageException when the database cannot be read
     */
    public FieldSyncClient open() {
      SyncEngine.Settings settings = new SyncEngine.Settings(batchSize, pullPageSize);
      if (!Files.isRegularFile(database)) {
        throw new ConfigException(
            "no device database at "
                + database
                + "; create one with `fieldsync client init` (FieldSyncClient.init)");
      }
      Connection connection = LocalStore.connect(database, true);
      try {
        if (!LocalStore.isInitialized(connection)) {
          throw new ConfigException(
              database
                  + " is not a fieldsync device database; create one with `fieldsync client init`"
                  + " (FieldSyncClient.init)");
        }
        Schema schema = LocalStore.schema(connection);
        LocalStore.upgrade(connection, schema);
        Transport chosen = transport;
        if (chosen == null) {
          List<URI> urls = servers != null ? servers : storedUrls(connection);
          String bearer =
              token != null ? token : LocalStore.metaText(connection, LocalStore.META_TOKEN);
          if (urls.isEmpty() || bearer == null) {
            throw new ConfigException(
                database + " stores no server URL and token; pass them to the builder");
          }
          chosen = http(urls, bearer);
        }
        return new FieldSyncClient(
            database,
            connection,
            schema,
            LocalStore.metaText(connection, LocalStore.META_TENANT),
            chosen,
            clock,
            random(),
            settings,
            false,
            lockWait);
      } catch (SQLException e) {
        close(connection);
        throw LocalStore.storage(e);
      } catch (RuntimeException e) {
        close(connection);
        throw e;
      }
    }

    private Transport http(List<URI> urls, String bearer) {
      return urls.size() == 1
          ? new HttpTransport(urls.get(0), bearer, connectTimeout, requestTimeout)
          : FailoverTransport.http(urls, bearer, connectTimeout, requestTimeout);
    }

    /** The node list stored at init, else the single server URL, else nothing. */
    private static List<URI> storedUrls(Connection connection) throws SQLException {
      String several = LocalStore.metaText(connection, LocalStore.META_SERVERS);
      String one = LocalStore.metaText(connection, LocalStore.META_SERVER);
      List<URI> urls = new ArrayList<>();
      if (several != null && !several.isBlank()) {
        for (String line : several.split("\n")) {
          if (!line.isBlank()) {
            urls.add(URI.create(line.strip()));
          }
        }
      } else if (one != null) {
        urls.add(URI.create(one));
      }
      return urls;
    }

    private static String joinUrls(List<URI> urls) {
      StringBuilder text = new StringBuilder();
      for (URI url : urls) {
        text.append(text.length() == 0 ? "" : "\n").append(url);
      }
      return text.toString();
    }

    private RandomGenerator random() {
      return random != null ? random : new SecureRandom();
    }

    private static void close(Connection connection) {
      try {
        connection.close();
      } catch (SQLException e) {
        LOG.debug("closing {} failed", connection, e);
      }
    }
  }
}
