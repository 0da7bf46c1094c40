package io.fieldsync.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.ConfigException;
import io.fieldsync.StorageException;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.transport.HttpTransport;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.server.ServerConfig;
import io.fieldsync.server.SyncServer;
import io.fieldsync.server.TokenService;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.SyncStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * One logical sync server for end-to-end tests: N {@link SyncServer} nodes on free loopback ports,
 * each with its own store on one shared {@link ServerDatabase}, one schema and one token secret (a
 * device token is valid on every node), an optional {@link ManualClock}, and the {@link
 * TestDevice}s made through it.
 *
 * <p>By default: one node over {@code server.db} (SQLite) in the given directory, with the example
 * schema {@code examples/field-survey/schema.yaml}. The token secret is kept in {@code
 * fieldsync.secret} in the directory, in the format {@code fieldsync token create --secret-file}
 * reads, so CLI tests can mint tokens for the same server.
 *
 * <pre>{@code
 * try (TestServer server = TestServer.builder(dir).database(ServerDatabase.postgres("x")).nodes(2)
 *     .start()) {
 *   TestDevice north = server.device("north");
 *   TestDevice south = server.device("south", 1, builder -> builder.pullPageSize(2));
 * }
 * }</pre>
 *
 * <p>Thread-safe for reading; start, stop and restore nodes from one thread. {@link #close()}
 * closes the devices it made, stops the nodes, closes the stores and then the database.
 */
public final class TestServer implements AutoCloseable {
  /** The tenant {@link #token(String)} mints for. */
  public static final String TENANT = "acme";

  /** The example schema, relative to the repository root. */
  public static final String EXAMPLE_SCHEMA = "examples/field-survey/schema.yaml";

  private final Path directory;
  private final ServerDatabase database;
  private Schema schema;
  private final Path secretFile;
  private final ManualClock clock;
  private final StoreOptions storeOptions;
  private final Map<Integer, UnaryOperator<SyncStore>> storeWrappers;
  private final Consumer<ServerConfig.Builder> configure;
  private final List<SyncStore> stores = new ArrayList<>();
  private final List<SyncServer> nodes = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();
  private final List<TestDevice> devices = new ArrayList<>();
  private byte[] secret;

  private TestServer(Builder builder) {
    this.directory = builder.directory;
    this.database =
        builder.database != null
            ? builder.database
            : ServerDatabase.sqlite(directory.resolve("server.db"));
    this.schema = builder.schema != null ? builder.schema : exampleSchema();
    this.secretFile = directory.resolve("fieldsync.secret");
    this.secret = TokenService.loadOrCreateSecret(secretFile);
    this.clock = builder.clock;
    this.storeOptions =
        builder.storeOptions != null ? builder.storeOptions : database.defaultOptions();
    this.storeWrappers = Map.copyOf(builder.storeWrappers);
    this.configure = builder.configure;
    if (builder.nodes > database.maxNodes()) {
      throw new ConfigException(
          builder.nodes + " nodes asked for, but " + database + " serves " + database.maxNodes());
    }
    try {
      for (int node = 0; node < builder.nodes; node++) {
        stores.add(openStore(node));
        ports.add(0);
        nodes.add(null);
        startNode(node);
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** One node over {@code server.db} in {@code directory}, with the example schema. */
  public static TestServer start(Path directory) {
    return builder(directory).start();
  }

  /** Settings: nodes, database, schema, clock, and anything else of the nodes' configuration. */
  public static Builder builder(Path directory) {
    return new Builder(directory);
  }

  private SyncStore openStore(int node) {
    return storeWrappers
        .getOrDefault(node, UnaryOperator.identity())
        .apply(database.open(storeOptions));
  }

  private void startNode(int node) {
    SyncStore store = stores.get(node);
    ServerConfig.Builder config =
        ServerConfig.builder(store, schema, secret)
            .port(ports.get(node))
            .storeLocation(database.file().map(file -> "sqlite:" + file).orElse(store.name()));
    if (clock != null) {
      config.wallClock(clock);
    }
    configure.accept(config);
    SyncServer server = SyncServer.start(config.build());
    nodes.set(node, server);
    ports.set(node, server.port());
  }

  /** How many nodes the server has. */
  public int nodeCount() {
    return nodes.size();
  }

  /** The first node. */
  public SyncServer server() {
    return node(0);
  }

  /** A node, running or stopped. */
  public SyncServer node(int node) {
    return nodes.get(node);
  }

  /** The first node's base URI, {@code http://127.0.0.1:PORT} ({@code https} with TLS). */
  public URI uri() {
    return uri(0);
  }

  /** A node's base URI; it stays the same across a stop and a restart. */
  public URI uri(int node) {
    String scheme = nodes.get(node) != null ? nodes.get(node).uri().getScheme() : "http";
    return URI.create(scheme + "://127.0.0.1:" + ports.get(node));
  }

  /** The first node's store. */
  public SyncStore store() {
    return store(0);
  }

  /** A node's store (as the node sees it, wrapper included). */
  public SyncStore store(int node) {
    return stores.get(node);
  }

  public ServerDatabase database() {
    return database;
  }

  public Schema schema() {
    return schema;
  }

  /** The manual clock of the nodes, or null when they read the real time. */
  public ManualClock clock() {
    return clock;
  }

  /** The SQLite store file, or null on PostgreSQL. */
  public Path storeFile() {
    return database.file().orElse(null);
  }

  /** The token secret file ({@code fieldsync token create --secret-file}). */
  public Path secretFile() {
    return secretFile;
  }

  /** A day-long device token of tenant {@link #TENANT}. */
  public String token(String device) {
    return token(TENANT, device);
  }

  /** A day-long device token. */
  public String token(String tenant, String device) {
    return tokens()
        .mint(tenant, device, "user-" + device, "surveyor", List.of(), Duration.ofDays(1));
  }

  /** A day-long device token of tenant {@link #TENANT} limited to row scopes. */
  public String scopedToken(String device, List<String> scopes) {
    return scopedToken(TENANT, device, scopes);
  }

  /** A day-long device token of {@code tenant} limited to row scopes. */
  public String scopedToken(String tenant, String device, List<String> scopes) {
    return tokens().mint(tenant, device, "user-" + device, "surveyor", scopes, Duration.ofDays(1));
  }

  /** A day-long token with the {@code admin} role (the review queue, revocations). */
  public String adminToken(String tenant) {
    return tokens().mint(tenant, "console", "admin", "admin", List.of(), Duration.ofDays(1));
  }

  private TokenService tokens() {
    return nodes.get(0).tokens();
  }

  /** The tenant's highest committed sequence. */
  public long sequence(String tenant) {
    return store().currentSequence(tenant);
  }

  /** Plain HTTP to a node under {@code token}. */
  public HttpTransport http(int node, String token) {
    return new HttpTransport(uri(node), token, Duration.ofSeconds(5), Duration.ofSeconds(30));
  }

  /** Requests to the first node with a token, content type and body of the test's choosing. */
  public RawHttp raw() {
    return raw(0);
  }

  /** Requests to a node with a token, content type and body of the test's choosing. */
  public RawHttp raw(int node) {
    return new RawHttp(uri(node));
  }

  /** Sends each call of {@code device} to the next node in turn, starting with {@code first}. */
  public Transport roundRobin(String device, int first) {
    List<Transport> each = new ArrayList<>();
    for (int node = 0; node < nodeCount(); node++) {
      each.add(http(node, token(device)));
    }
    return new RoundRobinTransport(each, first);
  }

  /** A device {@code NAME.db} in the server's directory, syncing with the first node over HTTP. */
  public TestDevice device(String name) {
    return device(name, 0, UnaryOperator.identity());
  }

  /** A device with builder settings of the caller's choosing (a transport, a seed, page sizes). */
  public TestDevice device(String name, UnaryOperator<FieldSyncClient.Builder> settings) {
    return device(name, 0, settings);
  }

  /** A device syncing with {@code node}; closed with the server. */
  public TestDevice device(String name, int node, UnaryOperator<FieldSyncClient.Builder> settings) {
    return track(TestDevice.init(this, node, directory, name, settings));
  }

  /** Closes a device and opens its database again (after a crash, a restore, with new settings). */
  public TestDevice reopen(TestDevice device, UnaryOperator<FieldSyncClient.Builder> settings) {
    device.close();
    return track(TestDevice.open(device.database(), device.name(), settings));
  }

  /** Opens a device database again that is closed already; closed with the server. */
  public TestDevice open(String name, UnaryOperator<FieldSyncClient.Builder> settings) {
    return track(TestDevice.open(directory.resolve(name + ".db"), name, settings));
  }

  private synchronized TestDevice track(TestDevice device) {
    devices.add(device);
    return device;
  }

  /** The open devices made through this server, in the order they were made. */
  public synchronized List<TestDevice> devices() {
    return devices.stream().filter(device -> !device.closed()).toList();
  }

  /** The tenant {@link #TENANT}'s live records in the store. */
  public Replicas.Snapshot snapshot() {
    return snapshot(TENANT);
  }

  /** A tenant's live records in the store. */
  public Replicas.Snapshot snapshot(String tenant) {
    return Replicas.server(store(), tenant, schema);
  }

  /** Every device holds the server's rows and has an empty outbox; returns the rows. */
  public Replicas.Snapshot assertConverged(TestDevice... replicas) {
    Replicas.Snapshot expected = snapshot();
    for (TestDevice device : replicas) {
      assertThat(device.snapshot().toString())
          .as("rows of %s compared with the server's", device.name())
          .isEqualTo(expected.toString());
      assertThat(device.client().status().pending()).as("outbox of %s", device.name()).isZero();
    }
    return expected;
  }

  /** The rows of a query on the server database (user tables, journal, records), without tenant. */
  public List<Map<String, Object>> query(String sql) {
    List<Map<String, Object>> result = new ArrayList<>();
    try (Connection connection = database.connect();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      ResultSetMetaData meta = rows.getMetaData();
      while (rows.next()) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          if (!meta.getColumnName(i).equals("_tenant")) {
            row.put(meta.getColumnName(i), rows.getObject(i));
          }
        }
        result.add(row);
      }
    } catch (SQLException e) {
      throw new StorageException(database + ": " + sql + ": " + e.getMessage(), e);
    }
    return result;
  }

  /** The review queue of {@link #TENANT}, through the first node's HTTP API as an admin. */
  public ReviewConsole review() {
    return new ReviewConsole(uri(), adminToken(TENANT));
  }

  /** Stops a node's HTTP server; its store stays open, and {@link #restart()} starts it again. */
  public void stop(int node) {
    nodes.get(node).close();
  }

  /** Stops every node. */
  public void stop() {
    for (int node = 0; node < nodeCount(); node++) {
      stop(node);
    }
  }

  /** Starts every node again on its port (a running one is stopped first). */
  public void restart() {
    for (int node = 0; node < nodeCount(); node++) {
      stop(node);
      startNode(node);
    }
  }

  /**
   * Restarts every node serving the schema of this YAML text: a schema move, as an operator makes
   * it by restarting the server with a new schema file.
   */
  public void restartWith(String yaml) {
    restartWith(SchemaLoader.parse(yaml));
  }

  /** Restarts every node serving {@code schema}: a schema move. */
  public void restartWith(Schema schema) {
    this.schema = schema;
    restart();
  }

  /** Restarts every node with a new token secret: every token minted before is refused. */
  public void restartWithNewSecret() {
    try {
      Files.deleteIfExists(secretFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + secretFile, e);
    }
    secret = TokenService.loadOrCreateSecret(secretFile);
    restart();
  }

  /** A consistent copy of the SQLite store file, as a backup tool would take it. */
  public Path backup(Path file) {
    try (Connection connection = database.connect();
        Statement statement = connection.createStatement()) {
      statement.execute("VACUUM INTO '" + file + "'");
    } catch (SQLException e) {
      throw new StorageException("cannot back " + database + " up to " + file + ": " + e, e);
    }
    return file;
  }

  /** Stops the nodes, puts a {@link #backup} in place of the database and starts them again. */
  public void restore(Path backup) {
    stop();
    for (SyncStore store : stores) {
      store.close();
    }
    database.replaceWith(backup);
    for (int node = 0; node < nodeCount(); node++) {
      stores.set(node, openStore(node));
      startNode(node);
    }
  }

  @Override
  public void close() {
    try {
      for (TestDevice device : devices) {
        device.close();
      }
      for (SyncServer node : nodes) {
        if (node != null) {
          node.close();
        }
      }
      for (SyncStore store : stores) {
        store.close();
      }
    } finally {
      database.close();
    }
  }

  /** The example field-survey schema, read from the repository. */
  public static Schema exampleSchema() {
    return SchemaLoader.load(exampleSchemaFile());
  }

  /**
   * The example schema file, found by walking up from the working directory (a module directory
   * under Maven, the repository root in an IDE) and from where this class was loaded.
   *
   * @throws ConfigException when no enclosing directory has {@value #EXAMPLE_SCHEMA}
   */
  public static Path exampleSchemaFile() {
    return RepositoryFiles.find(EXAMPLE_SCHEMA);
  }

  /** Settings for a {@link TestServer}. Not thread-safe. */
  public static final class Builder {
    private final Path directory;
    private ServerDatabase database;
    private int nodes = 1;
    private StoreOptions storeOptions;
    private final Map<Integer, UnaryOperator<SyncStore>> storeWrappers = new HashMap<>();
    private Schema schema;
    private ManualClock clock;
    private Consumer<ServerConfig.Builder> configure = config -> {};

    private Builder(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory");
    }

    /**
     * Where the nodes keep their rows (default: {@code server.db} in the directory); closed with
     * the server.
     */
    public Builder database(ServerDatabase database) {
      this.database = Objects.requireNonNull(database, "database");
      return this;
    }

    /** How many nodes share the database (default 1; SQLite serves one). */
    public Builder nodes(int nodes) {
      if (nodes < 1) {
        throw new IllegalArgumentException("a server has at least one node, asked for " + nodes);
      }
      this.nodes = nodes;
      return this;
    }

    /** Pool and busy timeout of each node's store. */
    public Builder storeOptions(StoreOptions storeOptions) {
      this.storeOptions = Objects.requireNonNull(storeOptions, "storeOptions");
      return this;
    }

    /** Wraps one node's store (a store that fails on purpose, say) each time it is opened. */
    public Builder wrapStore(int node, UnaryOperator<SyncStore> wrapper) {
      storeWrappers.put(node, Objects.requireNonNull(wrapper, "wrapper"));
      return this;
    }

    /** Serve this schema instead of the example one. */
    public Builder schema(Schema schema) {
      this.schema = Objects.requireNonNull(schema, "schema");
      return this;
    }

    /** Serve the schema of this YAML text. */
    public Builder schema(String yaml) {
      return schema(SchemaLoader.parse(yaml));
    }

    /** The nodes' wall clock (default: the real time). */
    public Builder clock(ManualClock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Adjusts each node's configuration (body limit, pull limits, horizon) before it starts. */
    public Builder configure(Consumer<ServerConfig.Builder> configure) {
      this.configure = Objects.requireNonNull(configure, "configure");
      return this;
    }

    /**
     * Starts the nodes.
     *
     * @throws ConfigException when the schema cannot be found, the database serves fewer nodes, or
     *     a node cannot start
     */
    public TestServer start() {
      return new TestServer(this);
    }
  }
}
