package io.fieldsync.cli;

import io.fieldsync.ConfigException;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.server.ServerConfig;
import io.fieldsync.server.ServerTls;
import io.fieldsync.server.SyncServer;
import io.fieldsync.server.TokenSecret;
import io.fieldsync.server.TokenService;
import io.fieldsync.server.uplink.Uplink;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.SyncStores;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "server",
    mixinStandardHelpOptions = true,
    description = "Runs the sync server until stopped (Ctrl-C stops it cleanly).")
final class ServerCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ServerCommand.class);
  static final String DB_PASSWORD_ENV = "FIELDSYNC_DB_PASSWORD";

  @Spec CommandSpec spec;

  private final Secrets secrets;

  ServerCommand(Map<String, String> environment) {
    this.secrets = new Secrets(environment);
  }

  @Option(
      names = ConfigDefaults.CONFIG_OPTION,
      paramLabel = "FILE",
      description =
          "YAML file of settings, keyed by flag name without dashes (port: 8787); a flag or an"
              + " environment variable FIELDSYNC_<FLAG> overrides it; or env FIELDSYNC_CONFIG")
  Path config;

  @Option(
      names = "--init-secret",
      description =
          "Write a new token secret to --secret-file if it has none, print where, and exit")
  boolean initSecret;

  @Option(
      names = "--previous-secret-file",
      paramLabel = "FILE",
      description =
          "The token secret being replaced (base64): tokens it signed are still accepted while"
              + " devices move to tokens of the new one; or env "
              + Secrets.PREVIOUS_SECRET_ENV)
  Path previousSecretFile;

  @Mixin TlsOptions tls = new TlsOptions();

  @Mixin UpstreamOptions upstream = new UpstreamOptions();

  @Option(
      names = "--db-password-file",
      paramLabel = "FILE",
      description =
          "File holding the PostgreSQL password, kept out of --db; or env " + DB_PASSWORD_ENV)
  Path dbPasswordFile;

  @Option(
      names = "--db",
      defaultValue = "fieldsync.db",
      description =
          "Store: a SQLite file, or postgresql://host:port/db?user=… (the password from"
              + " --db-password-file or env "
              + DB_PASSWORD_ENV
              + ") (default: ${DEFAULT-VALUE})")
  String db;

  @Option(
      names = "--schema",
      defaultValue = "schema.yaml",
      description = "Schema file (default: ${DEFAULT-VALUE})")
  Path schema;

  @Option(
      names = "--host",
      defaultValue = ServerConfig.DEFAULT_HOST,
      description = "Address to bind (default: ${DEFAULT-VALUE})")
  String host;

  @Option(
      names = "--port",
      defaultValue = "" + ServerConfig.DEFAULT_PORT,
      description = "Port; 0 picks a free one (default: ${DEFAULT-VALUE})")
  int port;

  @Option(
      names = "--secret-file",
      paramLabel = "FILE",
      description =
          "Token signing secret (base64), the same on every node; or env "
              + Secrets.SECRET_ENV
              + " holding the base64 text itself. Made only for a new store (default: "
              + Secrets.DEFAULT_FILE
              + ")")
  Path secretFile;

  @Option(
      names = "--max-clock-skew",
      defaultValue = "60s",
      converter = Durations.class,
      description =
          "Device stamps further ahead of the server clock are capped (default: ${DEFAULT-VALUE})")
  Duration maxClockSkew;

  @Option(
      names = "--max-body",
      defaultValue = "" + ServerConfig.DEFAULT_MAX_BODY_BYTES,
      description = "Largest request body in bytes, compressed or not (default: ${DEFAULT-VALUE})")
  int maxBody;

  @Option(
      names = "--pool-size",
      defaultValue = "8",
      description = "Store connections (default: ${DEFAULT-VALUE})")
  int poolSize;

  @Option(
      names = "--busy-timeout",
      defaultValue = "10000",
      description = "Milliseconds a write waits for a lock (default: ${DEFAULT-VALUE})")
  int busyTimeout;

  @Option(
      names = "--tombstone-horizon",
      defaultValue = "30d",
      converter = Durations.class,
      description =
          "Tombstones older than this are purged; devices further behind resync (default:"
              + " ${DEFAULT-VALUE})")
  Duration tombstoneHorizon;

  @Option(
      names = "--purge-interval",
      defaultValue = "1h",
      converter = Durations.class,
      description = "How often tombstones are purged (default: ${DEFAULT-VALUE})")
  Duration purgeInterval;

  @Option(
      names = "--max-batch-changes",
      defaultValue = "" + ServerConfig.DEFAULT_MAX_BATCH_CHANGES,
      description = "Most changes one push may carry (default: ${DEFAULT-VALUE})")
  int maxBatchChanges;

  @Option(
      names = "--body-read-timeout",
      defaultValue = "30s",
      converter = Durations.class,
      description =
          "A request body that stalls this long is answered 408 (default: ${DEFAULT-VALUE})")
  Duration bodyReadTimeout;

  @Option(
      names = "--pull-ahead-threads",
      defaultValue = "" + ServerConfig.DEFAULT_PULL_AHEAD_THREADS,
      description =
          "Threads that prepare the next page of a multi-page pull while the device takes the"
              + " current one; 0 turns it off (default: ${DEFAULT-VALUE})")
  int pullAheadThreads;

  /** How the server writes its log lines. */
  enum LogFormat {
    text,
    json
  }

  @Option(
      names = "--log-format",
      defaultValue = "text",
      description =
          "Log lines as text, or json: one JSON object per line (default: ${DEFAULT-VALUE})")
  LogFormat logFormat;

  @Override
  public Integer call() throws InterruptedException {
    if (logFormat == LogFormat.json) {
      CommandLogging.useJson();
    }
    if (initSecret) {
      return initSecret();
    }
    Schema loaded = SchemaLoader.load(schema);
    URI upstreamUri = upstream.uri();
    ServerTls identity = tls.identity(secrets);
    TokenSecret given = secrets.tokenSecret(secretFile);
    TokenSecret previous = secrets.previousSecret(previousSecretFile);
    String password = secrets.password(DB_PASSWORD_ENV, "--db-password-file", dbPasswordFile);
    SyncStore store = SyncStores.open(db, new StoreOptions(poolSize, busyTimeout, password));
    SyncServer server;
    try {
      store.migrate(loaded);
      TokenSecret secret = secretFor(store, given, previous);
      server =
          SyncServer.start(
              ServerConfig.builder(store, loaded, secret.bytes())
                  .host(host)
                  .port(port)
                  .storeLocation(redacted(db))
                  .maxBodyBytes(maxBody)
                  .clockSkewToleranceMillis(maxClockSkew.toMillis())
                  .tombstoneHorizonMillis(tombstoneHorizon.toMillis())
                  .purgeIntervalMillis(purgeInterval.toMillis())
                  .maxBatchChanges(maxBatchChanges)
                  .bodyReadTimeoutMillis(bodyReadTimeout.toMillis())
                  .pullAheadThreads(pullAheadThreads)
                  .tls(identity)
                  .previousSecret(previous == null ? null : previous.bytes())
                  .build());
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    Uplink uplink;
    try {
      uplink = upstream.start(server, upstreamUri);
    } catch (RuntimeException e) {
      server.close();
      store.close();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (uplink != null) {
                    uplink.close();
                  }
                  server.close();
                  store.close();
                  stopped.countDown();
                },
                "fieldsync-shutdown"));
    stopped.await();
    return 0;
  }

  private int initSecret() {
    PrintWriter out = spec.commandLine().getOut();
    TokenSecret existing = secrets.tokenSecret(secretFile);
    if (existing != null) {
      out.printf(
          "%s already holds a token secret (%s); left as it is%n",
          secrets.fromEnvironment() ? Secrets.SECRET_ENV : Secrets.secretFile(secretFile),
          existing.fingerprint());
      return 0;
    }
    Path file = Secrets.secretFile(secretFile);
    TokenSecret created = TokenSecret.random();
    if (!TokenService.writeSecret(file, created)) {
      created = TokenService.readSecret(file);
    }
    out.printf("wrote a new token secret to %s (%s)%n", file, created.fingerprint());
    return 0;
  }

  /**
   * The node's token secret ({@code given}, or else a new one), checked against the one the store
   * records; a store that records {@code previous} is made to record it instead (a replacement). A
   * secret is made only for a store that records none: for a store that has one it would refuse
   * every device's token, and the other nodes' too.
   */
  private TokenSecret secretFor(SyncStore store, TokenSecret given, TokenSecret previous) {
    TokenSecret secret = given;
    if (secret == null) {
      Path file = Secrets.secretFile(secretFile);
      if (TokenSecret.claimed(store)) {
        throw new ConfigException(
            "store "
                + redacted(db)
                + " was started with a token secret and this node has none ("
                + file
                + " does not exist and "
                + Secrets.SECRET_ENV
                + " is not set); give it the secret of the other nodes: a new one would refuse"
                + " every device's token");
      }
      secret = TokenSecret.random();
      if (!TokenService.writeSecret(file, secret)) {
        secret = TokenService.readSecret(file);
      }
      log.info(
          "the store records no token secret yet: wrote a new one to {} ({}); give the same secret"
              + " to every node",
          file,
          secret.fingerprint());
    }
    if (secret.claim(store, redacted(db), previous)) {
      log.info(
          "the store's token secret is now {} (was {}); tokens of the previous one are accepted"
              + " while this node is given it",
          secret.fingerprint(),
          previous.fingerprint());
    }
    return secret;
  }

  /**
   * The location as logs may show it: a password in the URL ({@code password=…} or {@code
   * //user:password@host}) is replaced by {@code ***}.
   */
  static String redacted(String location) {
    return location
        .replaceAll("(?i)(password=)[^&;]*", "$1***")
        .replaceAll("^([a-zA-Z:]+//[^/@:]*):[^/@]*@", "$1:***@");
  }
}
