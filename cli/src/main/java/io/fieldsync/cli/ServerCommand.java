package io.fieldsync.cli;

import io.fieldsync.ConfigException;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.server.ServerConfig;
import io.fieldsync.server.SyncServer;
import io.fieldsync.server.TokenService;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.SyncStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "server",
    mixinStandardHelpOptions = true,
    description = "Runs the sync server until stopped (Ctrl-C stops it cleanly).")
final class ServerCommand implements Callable<Integer> {

  @Option(
      names = "--db",
      defaultValue = "fieldsync.db",
      description =
          "Store: a SQLite file, or postgresql://host:port/db?user=…&password=… (default:"
              + " ${DEFAULT-VALUE})")
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
      defaultValue = Secrets.DEFAULT_FILE,
      description =
          "Token signing secret, created if missing; env FIELDSYNC_SECRET overrides (default:"
              + " ${DEFAULT-VALUE})")
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

  @Option(
      names = "--previous-secret-file",
      description =
          "A token secret the server had before (repeatable): tokens it signed stay valid until"
              + " they expire, while devices get tokens of the current secret; new tokens are"
              + " signed with the current one only")
  List<Path> previousSecretFiles = List.of();

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
    Schema loaded = SchemaLoader.load(schema);
    byte[] secret = Secrets.load(secretFile, true);
    List<byte[]> previousSecrets = new ArrayList<>();
    for (Path file : previousSecretFiles) {
      if (!Files.isRegularFile(file)) {
        throw new ConfigException("previous secret file " + file + " does not exist");
      }
      previousSecrets.add(TokenService.loadOrCreateSecret(file));
    }
    SyncStore store = SyncStores.open(db, new StoreOptions(poolSize, busyTimeout));
    SyncServer server;
    try {
      server =
          SyncServer.start(
              ServerConfig.builder(store, loaded, secret)
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
                  .previousSecrets(previousSecrets)
                  .build());
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  store.close();
                  stopped.countDown();
                },
                "fieldsync-shutdown"));
    stopped.await();
    return 0;
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
