package io.fieldsync.testkit;

import io.fieldsync.ConfigException;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.server.ServerConfig;
import io.fieldsync.server.SyncServer;
import io.fieldsync.server.TokenService;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.sqlite.SqliteStore;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A real {@link SyncServer} on a free loopback port, for end-to-end tests.
 *
 * <p>By default it serves a SQLite store file ({@code server.db}) in the given directory with the
 * example schema {@code examples/field-survey/schema.yaml}; any other {@link SyncStore}
 * (PostgreSQL, for instance) can be plugged in with {@link Builder#store(SyncStore)}. The token
 * secret is kept in {@code fieldsync.secret} in the directory, in the format {@code fieldsync token
 * create --secret-file} reads, so CLI tests can mint tokens for the same server.
 *
 * <pre>{@code
 * try (TestServer server = TestServer.start(dir)) {
 *   FieldSyncClient device =
 *       FieldSyncClient.init(dir.resolve("a.db"), server.uri(), server.token("tablet-a"));
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} stops the server, then closes the store if this object opened it
 * (a store passed in belongs to the caller).
 */
public final class TestServer implements AutoCloseable {
  /** The tenant {@link #token(String)} mints for. */
  public static final String TENANT = "acme";

  /** The example schema, relative to the repository root. */
  public static final String EXAMPLE_SCHEMA = "examples/field-survey/schema.yaml";

  private final Path directory;
  private final SyncStore store;
  private final boolean ownsStore;
  private final Path storeFile;
  private final Schema schema;
  private final Path secretFile;
  private final SyncServer server;

  private TestServer(Builder builder) {
    this.directory = builder.directory;
    this.schema = builder.schema != null ? builder.schema : exampleSchema();
    this.secretFile = directory.resolve("fieldsync.secret");
    byte[] secret = TokenService.loadOrCreateSecret(secretFile);
    if (builder.store != null) {
      this.store = builder.store;
      this.ownsStore = false;
      this.storeFile = null;
    } else {
      this.storeFile = directory.resolve("server.db");
      this.store = new SqliteStore(storeFile, StoreOptions.DEFAULTS);
      this.ownsStore = true;
    }
    try {
      ServerConfig.Builder config =
          ServerConfig.builder(store, schema, secret)
              .port(0)
              .storeLocation(storeFile != null ? "sqlite:" + storeFile : store.name());
      builder.configure.accept(config);
      this.server = SyncServer.start(config.build());
    } catch (RuntimeException e) {
      if (ownsStore) {
        store.close();
      }
      throw e;
    }
  }

  /** A server over {@code server.db} in {@code directory}, with the example schema. */
  public static TestServer start(Path directory) {
    return builder(directory).start();
  }

  /** Settings: the store, the schema, and anything else of the server's configuration. */
  public static Builder builder(Path directory) {
    return new Builder(directory);
  }

  /** The server's base URI, {@code http://127.0.0.1:PORT}. */
  public URI uri() {
    return server.uri();
  }

  public SyncServer server() {
    return server;
  }

  public SyncStore store() {
    return store;
  }

  public Schema schema() {
    return schema;
  }

  /** The SQLite store file, or null when a store was passed in. */
  public Path storeFile() {
    return storeFile;
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
    return server
        .tokens()
        .mint(tenant, device, "user-" + device, "surveyor", List.of(), Duration.ofDays(1));
  }

  /** A day-long device token of tenant {@link #TENANT} limited to row scopes. */
  public String scopedToken(String device, List<String> scopes) {
    return server
        .tokens()
        .mint(TENANT, device, "user-" + device, "surveyor", scopes, Duration.ofDays(1));
  }

  /** A day-long token with the {@code admin} role (the review queue). */
  public String adminToken(String tenant) {
    return server.tokens().mint(tenant, "console", "admin", "admin", List.of(), Duration.ofDays(1));
  }

  /** The tenant's highest committed sequence. */
  public long sequence(String tenant) {
    return store.currentSequence(tenant);
  }

  @Override
  public void close() {
    try {
      server.close();
    } finally {
      if (ownsStore) {
        store.close();
      }
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
    return repositoryFile(EXAMPLE_SCHEMA);
  }

  /** A file of the repository, by its path from the repository root. */
  public static Path repositoryFile(String relative) {
    for (Path start : searchStarts()) {
      for (Path dir = start; dir != null; dir = dir.getParent()) {
        Path candidate = dir.resolve(relative);
        if (Files.isRegularFile(candidate)) {
          return candidate;
        }
      }
    }
    throw new ConfigException(
        "cannot find "
            + relative
            + " above "
            + searchStarts()
            + "; run the tests from inside the repository");
  }

  private static List<Path> searchStarts() {
    Path working = Path.of("").toAbsolutePath();
    try {
      Path classes =
          Path.of(TestServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return List.of(working, classes.toAbsolutePath());
    } catch (Exception e) {
      // no code source (unusual class loaders): the working directory is enough
      return List.of(working);
    }
  }

  /** Settings for a {@link TestServer}. Not thread-safe. */
  public static final class Builder {
    private final Path directory;
    private SyncStore store;
    private Schema schema;
    private Consumer<ServerConfig.Builder> configure = config -> {};

    private Builder(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory");
    }

    /** Serve this store instead of a SQLite file; the caller closes it. */
    public Builder store(SyncStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /** Serve this schema instead of the example one. */
    public Builder schema(Schema schema) {
      this.schema = Objects.requireNonNull(schema, "schema");
      return this;
    }

    /** Adjusts the server's configuration (body limit, pull limits, clock) before it starts. */
    public Builder configure(Consumer<ServerConfig.Builder> configure) {
      this.configure = Objects.requireNonNull(configure, "configure");
      return this;
    }

    /**
     * Starts the server.
     *
     * @throws ConfigException when the schema cannot be found or the server cannot start
     */
    public TestServer start() {
      return new TestServer(this);
    }
  }
}
