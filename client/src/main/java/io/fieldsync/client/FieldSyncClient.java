package io.fieldsync.client;

import io.fieldsync.ConfigException;
import io.fieldsync.StorageException;
import io.fieldsync.client.internal.engine.SyncCycles;
import io.fieldsync.client.internal.state.DeviceDatabase;
import io.fieldsync.client.internal.state.DeviceFile;
import io.fieldsync.client.transport.FailoverTransport;
import io.fieldsync.client.transport.HttpProxy;
import io.fieldsync.client.transport.HttpTransport;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.schema.Schema;
import java.net.ProxySelector;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import javax.net.ssl.SSLContext;
import okhttp3.OkHttpClient;

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
  private final DeviceDatabase database;
  private final SyncCycles cycles;
  private final SyncListeners listeners;
  private final Transport transport;
  private final WorkerSettings workerSettings;
  private final StatusReader statusReader;
  private final ChangeFeed changes;
  private volatile SyncWorker worker;
  private boolean paused;

  /** Commits of {@link #connection()}'s connections, which the worker syncs at once. */
  final LocalCommits localCommits = new LocalCommits();

  FieldSyncClient(
      DeviceDatabase database,
      SyncCycles cycles,
      SyncListeners listeners,
      Transport transport,
      WorkerSettings workerSettings) {
    this.database = database;
    this.cycles = cycles;
    this.listeners = listeners;
    this.transport = transport;
    this.workerSettings = workerSettings;
    this.statusReader = new StatusReader(database.file());
    this.changes =
        new ChangeFeed(
            database.file(), workerSettings.writePoll(), () -> cycles.schema().tables().keySet());
    listeners.feedChangesTo(changes);
    localCommits.subscribe(changes::committed);
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

  /**
   * A new JDBC connection to a device database without a client, for the application's own SQL
   * while no client is open (writes are captured as through {@link #connection()}); the caller
   * closes it. {@code key} is the database's key, or null for an unencrypted one.
   *
   * @throws ConfigException when the file is missing, or a key is missing, wrong, or given for an
   *     unencrypted file
   * @throws StorageException when the database cannot be opened
   */
  public static Connection connection(Path database, DeviceKey key) {
    requireFile(database);
    DeviceFile file = new DeviceFile(database, key);
    DeviceDatabase.open(file).close();
    return file.connect(false);
  }

  /**
   * Changes the key of an encrypted device database (see {@link Builder#key}). Close every client
   * and connection of the file first; the file leaves write-ahead logging for the rekey and returns
   * to it after.
   *
   * @throws ConfigException when the file is missing, {@code current} does not open it, or another
   *     connection has it open; the file keeps its key then
   * @throws StorageException when the file cannot be rewritten
   */
  public static void rekey(Path database, DeviceKey current, DeviceKey next) {
    Objects.requireNonNull(current, "current");
    Objects.requireNonNull(next, "next");
    requireFile(database);
    DeviceDatabase.rekey(new DeviceFile(database, current), next);
  }

  private static void requireFile(Path database) {
    if (!java.nio.file.Files.isRegularFile(database)) {
      throw new ConfigException("no device database at " + database);
    }
  }

  /**
   * The one way to configure a client and its background worker: transport, clock, randomness,
   * batch sizes, worker timing.
   */
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
    return localCommits.watch(database.file().connect(false));
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
    return cycles.sync();
  }

  /**
   * Downloads the server's schema and, when its version is newer, migrates the local tables and
   * triggers (new tables, new columns). Waits for a running sync cycle.
   *
   * @return the schema in use afterwards
   * @throws ConfigException when the change is not additive, or the token is for another device
   * @throws io.fieldsync.TransportException when the server cannot be reached (retriable)
   * @throws io.fieldsync.AuthException when the token is refused
   */
  public Schema refreshSchema() {
    return cycles.refreshSchema();
  }

  /** The schema the local database follows. Thread-safe. */
  public Schema schema() {
    return cycles.schema();
  }

  /**
   * A snapshot of the sync state, read from the database.
   *
   * @throws StorageException when the database cannot be read
   */
  public SyncStatus status() {
    ensureOpen();
    return statusReader.status(cycles.schema().version(), cycles.lastResult(), cycles.lastError());
  }

  /**
   * The changes the server refused, each with an explanation: {@code rejected().list()}, {@code
   * discard(id)}, {@code retry(id)}. They stay until discarded or retried.
   */
  public RejectedChanges rejected() {
    ensureOpen();
    return new RejectedChanges(localEdits(), this::schema);
  }

  /**
   * This device's edits that the server parked in its review queue, each with an explanation:
   * {@code parked().list()}, {@code discard(id)}, {@code retry(id)}. An entry goes away when a pull
   * brings the server's resolution of it.
   */
  public ParkedChanges parked() {
    ensureOpen();
    return new ParkedChanges(localEdits(), this::schema);
  }

  private LocalEdits localEdits() {
    return new LocalEdits(database.file(), localCommits);
  }

  /** Adds a listener for sync events. Thread-safe. */
  public void addListener(SyncListener listener) {
    listeners.add(listener);
  }

  public void removeListener(SyncListener listener) {
    listeners.remove(listener);
  }

  /**
   * Tells {@code listener} which rows changed after each local write (from any connection or
   * process, found within the write poll) and each page or answer a sync of this client applied;
   * see {@link ChangeListener}. Starts the client's change thread. Thread-safe.
   *
   * @throws StorageException when the database cannot be read
   */
  public void addChangeListener(ChangeListener listener) {
    ensureOpen();
    changes.add(listener);
  }

  /** Stops telling {@code listener} of changes. Thread-safe. */
  public void removeChangeListener(ChangeListener listener) {
    changes.remove(listener);
  }

  /**
   * Runs a read-only query now and again whenever a table it reads has changed (a local write or a
   * sync), handing the rows to {@code listener} on the client's change thread. The tables are read
   * from the query's SQLite program; only synced tables trigger. Close the returned watch to stop.
   *
   * <pre>{@code
   * client.watch("SELECT id, head_name FROM households WHERE region = ?", List.of("north"),
   *     rows -> showHouseholds(rows));
   * }</pre>
   *
   * @param params the values of the query's {@code ?} parameters, in order
   * @throws IllegalArgumentException when the query does not compile, writes, or takes another
   *     number of parameters
   * @throws StorageException when the database cannot be read
   */
  public QueryWatch watch(String sql, List<?> params, QueryListener listener) {
    ensureOpen();
    return changes.watch(sql, params, listener);
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
    return cycles.resync();
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
    return cycles.verify();
  }

  /**
   * Starts a background worker that keeps this device in sync (see {@link SyncWorker}), with the
   * worker settings given to the {@link Builder}; {@link #close()} stops it.
   *
   * @throws IllegalStateException when a worker is already running
   */
  public synchronized SyncWorker startWorker() {
    ensureOpen();
    if (worker != null && worker.status().state() != SyncWorker.State.STOPPED) {
      throw new IllegalStateException("a worker is already running for " + database.path());
    }
    SyncWorker started = new SyncWorker(this, database.file(), transport, workerSettings);
    worker = started;
    if (paused) {
      started.pause();
    }
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
    return statusReader.stoppedWorker(running == null ? null : running.status().stopReason());
  }

  /** The worker started by {@link #startWorker}, or null. */
  public SyncWorker worker() {
    return worker;
  }

  /**
   * Pauses background sync: the worker (a running one, or one started later) finishes a running
   * cycle, closes its live channel and makes no network request until {@link #resume()}. Local
   * writes are still captured; {@link #syncNow()} called by the application still syncs.
   */
  public synchronized void pause() {
    paused = true;
    if (worker != null) {
      worker.pause();
    }
  }

  /** Resumes background sync after {@link #pause()}: the worker syncs at once. */
  public synchronized void resume() {
    paused = false;
    if (worker != null) {
      worker.resume();
    }
  }

  /**
   * Signs the device out: stops the worker, waits for a running cycle and closes the client.
   * Without {@code wipe}, the stored token is forgotten and the data stays: a later {@link
   * Builder#open()} needs a {@link Builder#token}. With {@code wipe}, the database and its files
   * ({@code -wal}, {@code -shm}, {@code -fieldsync.lock}) are deleted, token included; this is
   * refused while the device holds edits the server does not have (see {@link #signOut(boolean,
   * boolean)}). Close the connections the application opened first.
   *
   * @throws IllegalStateException when {@code wipe} and the device holds captured changes not
   *     pushed yet, an unacknowledged batch or rejected changes; nothing is changed then
   * @throws StorageException when the database cannot be written or deleted
   */
  public void signOut(boolean wipe) {
    signOut(wipe, false);
  }

  /**
   * {@link #signOut(boolean)}; {@code discardUnpushed} wipes even a device that holds edits the
   * server does not have, which are lost.
   */
  public void signOut(boolean wipe, boolean discardUnpushed) {
    ensureOpen();
    SignOut signOut = new SignOut(database.file());
    if (wipe && !discardUnpushed) {
      signOut.requireNothingUnpushed();
    }
    close();
    if (wipe) {
      signOut.deleteFiles();
    } else {
      signOut.forgetToken();
    }
  }

  /** Stops the worker (if any), waits for a running cycle, then closes the client. Idempotent. */
  @Override
  public void close() {
    SyncWorker running = worker;
    if (running != null) {
      running.close();
    }
    cycles.close();
    changes.close();
  }

  private void ensureOpen() {
    cycles.ensureOpen();
  }

  /**
   * Settings for a {@link FieldSyncClient} and its worker. Defaults: the server URL and token
   * stored in the database, an {@link HttpTransport} with 10 s connect and 60 s request timeouts,
   * the system UTC clock, batch ids from a {@link SecureRandom}, 5000 records per push batch,
   * 10,000 per pull page; a worker with a 25 ms debounce, a 50 ms write poll, a 60 s interval,
   * backoff from 500 ms to 60 s, stuck after 10 minutes, the live channel on with a 30 s ping, and
   * a random jitter seed. Not thread-safe.
   */
  public static final class Builder {
    final Path database;
    DeviceKey key;
    List<URI> servers;
    String token;
    Transport transport;
    Path caFile;
    SSLContext sslContext;
    OkHttpClient httpClient;
    ProxySelector proxy;
    Clock clock = Clock.systemUTC();
    Random random;
    int batchSize = 5000;
    int pullPageSize = 10_000;
    Duration connectTimeout = Duration.ofSeconds(10);
    Duration requestTimeout = Duration.ofSeconds(60);
    Duration lockWait = Duration.ofSeconds(60);
    FaultInjector faults = FaultInjector.NONE;
    Duration debounce = Duration.ofMillis(25);
    Duration writePoll = Duration.ofMillis(50);
    Duration syncInterval = Duration.ofSeconds(60);
    Duration minBackoff = Duration.ofMillis(500);
    Duration maxBackoff = Duration.ofSeconds(60);
    Duration stuckAfter = Duration.ofMinutes(10);
    boolean live = true;
    Duration livePing = Duration.ofSeconds(30);
    Long workerSeed;
    TokenProvider tokenProvider;
    Duration tokenRefreshBefore = Duration.ofHours(1);

    private Builder(Path database) {
      this.database = Objects.requireNonNull(database, "database");
    }

    /**
     * The key of an encrypted database: {@link #initialize()} creates the database encrypted with
     * it (SQLCipher 4 format, through SQLite3 Multiple Ciphers), and {@link #open()} needs it to
     * read one; every connection the client hands out uses it. Without a key the database is a
     * plain SQLite file. Encrypted databases need a desktop JVM (Linux, macOS, Windows): the {@code
     * sqlite3} shell and Android's SQLite cannot open them.
     *
     * @see DeviceKey#read(Path)
     */
    public Builder key(DeviceKey key) {
      this.key = Objects.requireNonNull(key, "key");
      return this;
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

    /**
     * CA certificates (a PEM file) to trust besides the system's, for a server whose certificate a
     * private CA issued. At {@link #initialize()} they are stored in the database, with the server
     * URLs, so every later {@link #open()} trusts them too; given to {@link #open()}, they replace
     * the stored ones for this client only.
     *
     * @throws ConfigException at {@link #initialize()} or {@link #open()} when the file cannot be
     *     read or holds no certificate
     */
    public Builder caFile(Path caFile) {
      this.caFile = Objects.requireNonNull(caFile, "caFile");
      return this;
    }

    /**
     * The TLS context of the HTTP transport, for trust set up by the application (a key store, a
     * pinned certificate); it takes precedence over {@link #caFile} and stored CA certificates.
     */
    public Builder sslContext(SSLContext sslContext) {
      this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
      return this;
    }

    /**
     * The application's own OkHttp client for every request and the live channel (its TLS settings,
     * proxy, interceptors, connection pool, connect timeout), instead of one the transport builds.
     * The transport derives a client from it that follows no redirect (one would carry the token
     * elsewhere) and applies the request timeout of {@link #timeouts}, and {@link #sslContext} and
     * {@link #proxy} when they are given too; CA files ({@link #caFile}, or stored at init) apply
     * only to a client the library builds.
     */
    public Builder httpClient(OkHttpClient httpClient) {
      this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
      return this;
    }

    /**
     * The application's source of fresh tokens (see {@link TokenProvider}), asked when the token in
     * use is about to expire or is refused; a new token is stored in the database. Applies to the
     * HTTP transport, not to one given with {@link #transport}.
     */
    public Builder tokenProvider(TokenProvider provider) {
      this.tokenProvider = Objects.requireNonNull(provider, "provider");
      return this;
    }

    /**
     * How long before the token's expiry (its JWT {@code exp}) the {@link #tokenProvider} is asked
     * for a fresh one (default 1 hour); zero asks only when the server refuses the token.
     */
    public Builder tokenRefreshBefore(Duration before) {
      Objects.requireNonNull(before, "before");
      if (before.isNegative()) {
        throw new IllegalArgumentException(
            "tokenRefreshBefore must not be negative, found " + before);
      }
      this.tokenRefreshBefore = before;
      return this;
    }

    /**
     * Requests and the live channel go through the proxy {@code proxy} picks for each server URL
     * (default: the platform's {@link ProxySelector#getDefault()}, which on the JVM reads the
     * {@code http.proxyHost} and {@code https.proxyHost} system properties). HTTPS goes through an
     * HTTP proxy as a {@code CONNECT} tunnel.
     */
    public Builder proxy(ProxySelector proxy) {
      this.proxy = Objects.requireNonNull(proxy, "proxy");
      return this;
    }

    /** Requests and the live channel go through the HTTP proxy at {@code host:port}. */
    public Builder proxy(String host, int port) {
      return proxy(HttpProxy.at(host, port));
    }

    /** A transport to use instead of HTTP (tests, the testkit's faulty transports). */
    public Builder transport(Transport transport) {
      this.transport = Objects.requireNonNull(transport, "transport");
      return this;
    }

    /**
     * The wall clock for timestamps the library keeps and for the worker's schedule (not for HLCs,
     * which SQL makes).
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Batch ids from a generator seeded with {@code seed}, for reproducible tests. Batch ids stay
     * unique per device anyway (they also carry the batch's log position).
     */
    public Builder seed(long seed) {
      this.random = new Random(seed);
      return this;
    }

    public Builder random(Random random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /** Most records per push request (default 5000; a request also stays under 4 MiB of log). */
    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /**
     * Records per pull page asked of the server (default 10,000, the server's default cap; it caps
     * larger requests). Each page costs both sides a fixed amount (a read transaction and three
     * table reads on the server, a write transaction and the capture triggers taken out and put
     * back on the device), which a large page spreads over more records.
     */
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

    /** The crash-test seam (see {@link FaultInjector}); applications leave it unset. */
    public Builder faultInjector(FaultInjector faults) {
      this.faults = Objects.requireNonNull(faults, "faults");
      return this;
    }

    /**
     * The quiet time between a sync and the next one a local write asks for (default 25 ms): a
     * write syncs at once when the last sync ended longer ago, else when this much has passed since
     * it, together with every write made meanwhile.
     */
    public Builder debounce(Duration debounce) {
      this.debounce = debounce;
      return this;
    }

    /**
     * How often the worker looks for writes from other connections and processes ({@code PRAGMA
     * data_version}, default 50 ms); commits through {@link FieldSyncClient#connection()} wake it
     * at once.
     */
    public Builder writePoll(Duration writePoll) {
      this.writePoll = writePoll;
      return this;
    }

    /**
     * The worker syncs this long after its last sync even with no write and no poke (default 60 s):
     * it catches server changes when no live channel is up.
     */
    public Builder syncInterval(Duration interval) {
      this.syncInterval = interval;
      return this;
    }

    /**
     * The worker's first retry delay after a failure and the longest (default 500 ms and 60 s);
     * retries double up to the longest, with jitter.
     */
    public Builder backoff(Duration min, Duration max) {
      this.minBackoff = min;
      this.maxBackoff = max;
      return this;
    }

    /** No success for this long while the server answers is reported as stuck (default 10 min). */
    public Builder stuckAfter(Duration stuckAfter) {
      this.stuckAfter = stuckAfter;
      return this;
    }

    /**
     * Whether the worker holds the live channel ({@code GET /v1/live}) while online (default on).
     */
    public Builder live(boolean live) {
      this.live = live;
      return this;
    }

    /** How often the worker pings the live channel (default 30 s). */
    public Builder livePing(Duration livePing) {
      this.livePing = livePing;
      return this;
    }

    /** The seed of the worker's backoff jitter, for reproducible tests (default random). */
    public Builder workerSeed(long seed) {
      this.workerSeed = seed;
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
      return new DeviceOpener(this).initialize();
    }

    /**
     * Opens an initialized device database, upgrading one written by an older library.
     *
     * @throws ConfigException when the file is missing or not initialized, or no server URL and
     *     token are stored or given
     * @throws StorageException when the database cannot be read
     */
    public FieldSyncClient open() {
      return new DeviceOpener(this).open();
    }
  }
}
