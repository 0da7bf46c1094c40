package io.fieldsync.client;

import io.fieldsync.ConfigException;
import io.fieldsync.ProtocolException;
import io.fieldsync.client.internal.capture.LocalTables;
import io.fieldsync.client.internal.engine.CycleLock;
import io.fieldsync.client.internal.engine.EngineSettings;
import io.fieldsync.client.internal.engine.SchemaRefresh;
import io.fieldsync.client.internal.engine.SyncCycles;
import io.fieldsync.client.internal.engine.SyncEngine;
import io.fieldsync.client.internal.state.DeviceDatabase;
import io.fieldsync.client.internal.state.DeviceFile;
import io.fieldsync.client.internal.state.DeviceState;
import io.fieldsync.client.transport.CaCertificates;
import io.fieldsync.client.transport.FailoverTransport;
import io.fieldsync.client.transport.HttpTransport;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaCodec;
import io.fieldsync.wire.SchemaResponse;
import java.net.URI;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates or opens the device database a {@link FieldSyncClient.Builder} names, and wires the
 * client from the builder's settings: transport, engine, cycles, worker settings.
 */
final class DeviceOpener {
  private static final Logger LOG = LoggerFactory.getLogger(DeviceOpener.class);

  private final FieldSyncClient.Builder settings;

  DeviceOpener(FieldSyncClient.Builder settings) {
    this.settings = settings;
  }

  FieldSyncClient initialize() {
    EngineSettings engine = engineSettings();
    WorkerSettings worker = workerSettings();
    CaCertificates cas = settings.caFile == null ? null : CaCertificates.read(settings.caFile);
    Transport chosen = settings.transport;
    if (chosen == null) {
      if (settings.servers == null || settings.token == null) {
        throw new ConfigException("initialize needs a server URL and a token, or a transport");
      }
      chosen = credentialed(settings.servers, settings.token, cas);
    }
    DeviceDatabase database = DeviceDatabase.open(deviceFile());
    try {
      if (database.read(c -> database.state().exists())) {
        throw new ConfigException(
            settings.database + " is already a fieldsync device database; open it instead");
      }
      SchemaResponse response = chosen.schema();
      Schema schema = SchemaCodec.fromWire(response.getSchema());
      if (response.getDevice().isEmpty()) {
        throw new ProtocolException(
            "schema response names no device; the token must be a device token");
      }
      new LocalTables(database)
          .initialize(
              response.getSchema(),
              schema,
              response.getTenant(),
              response.getDevice(),
              response.getServerHlc(),
              settings.servers,
              chosen instanceof CredentialedTransport renewing ? renewing.token() : settings.token);
      if (cas != null) {
        database.transaction(
            c -> {
              database.state().storeCaCertificates(cas.pem());
              return null;
            });
      }
      return client(database, schema, response.getTenant(), chosen, engine, worker, true);
    } catch (RuntimeException e) {
      close(database);
      throw e;
    }
  }

  FieldSyncClient open() {
    EngineSettings engine = engineSettings();
    WorkerSettings worker = workerSettings();
    if (!Files.isRegularFile(settings.database)) {
      throw new ConfigException(
          "no device database at "
              + settings.database
              + "; create one with `fieldsync client init` (FieldSyncClient.init)");
    }
    DeviceDatabase database = DeviceDatabase.open(deviceFile());
    try {
      DeviceState state = database.state();
      if (!database.read(c -> state.exists())) {
        throw new ConfigException(
            settings.database
                + " is not a fieldsync device database; create one with `fieldsync client init`"
                + " (FieldSyncClient.init)");
      }
      Schema schema = database.read(c -> SchemaCodec.fromWire(state.schemaDef()));
      new LocalTables(database).upgrade(schema);
      Transport chosen = settings.transport;
      if (chosen == null) {
        List<URI> urls =
            settings.servers != null ? settings.servers : database.read(c -> state.servers());
        String bearer = settings.token != null ? settings.token : database.read(c -> state.token());
        if (urls.isEmpty() || bearer == null) {
          throw new ConfigException(
              settings.database + " stores no server URL and token; pass them to the builder");
        }
        CaCertificates cas =
            settings.caFile != null
                ? CaCertificates.read(settings.caFile)
                : storedCas(database.read(c -> state.caCertificates()));
        chosen = credentialed(urls, bearer, cas);
      }
      String tenant = database.read(c -> state.tenant());
      return client(database, schema, tenant, chosen, engine, worker, false);
    } catch (RuntimeException e) {
      close(database);
      throw e;
    }
  }

  private FieldSyncClient client(
      DeviceDatabase database,
      Schema schema,
      String tenant,
      Transport transport,
      EngineSettings engine,
      WorkerSettings worker,
      boolean schemaChecked) {
    SyncListeners listeners = new SyncListeners();
    Random random = settings.random != null ? settings.random : new SecureRandom();
    SyncCycles cycles =
        new SyncCycles(
            database,
            schema,
            new SyncEngine(
                database, schema, tenant, transport, settings.clock, random, engine, listeners),
            new SchemaRefresh(database, transport),
            new CycleLock(database.path(), settings.lockWait),
            settings.clock,
            listeners,
            schemaChecked);
    return new FieldSyncClient(database, cycles, listeners, transport, worker);
  }

  private DeviceFile deviceFile() {
    return new DeviceFile(settings.database, settings.key);
  }

  private EngineSettings engineSettings() {
    return new EngineSettings(settings.batchSize, settings.pullPageSize, settings.faults);
  }

  private WorkerSettings workerSettings() {
    return new WorkerSettings(
        settings.debounce,
        settings.writePoll,
        settings.syncInterval,
        settings.minBackoff,
        settings.maxBackoff,
        settings.stuckAfter,
        settings.live,
        settings.livePing,
        settings.clock,
        settings.workerSeed != null ? settings.workerSeed : new SecureRandom().nextLong());
  }

  private CaCertificates storedCas(String pem) {
    return pem == null
        ? null
        : CaCertificates.fromPem(pem, "the CA certificates stored in " + settings.database);
  }

  /** HTTP under {@code bearer}, or under the tokens of the builder's token provider. */
  private Transport credentialed(List<URI> urls, String bearer, CaCertificates cas) {
    if (settings.tokenProvider == null) {
      return http(urls, bearer, cas);
    }
    return new CredentialedTransport(
        bearer,
        token -> http(urls, token, cas),
        settings.tokenProvider,
        deviceFile(),
        settings.clock,
        settings.tokenRefreshBefore);
  }

  /**
   * HTTP to each URL through the builder's HTTP client and proxy when given, trusting, in this
   * order of precedence: the builder's TLS context, the HTTP client's trust, the CA certificates
   * given or stored beside the system's, the system's.
   */
  private Transport http(List<URI> urls, String bearer, CaCertificates cas) {
    List<Transport> nodes = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (URI url : urls) {
      HttpTransport.Builder http =
          HttpTransport.builder(url, bearer)
              .timeouts(settings.connectTimeout, settings.requestTimeout);
      if (settings.httpClient != null) {
        http.client(settings.httpClient);
      }
      if (settings.sslContext != null) {
        http.sslContext(settings.sslContext);
      } else if (cas != null && settings.httpClient == null) {
        http.caCertificates(cas);
      }
      if (settings.proxy != null) {
        http.proxy(settings.proxy);
      }
      nodes.add(http.build());
      names.add(url.toString());
    }
    return nodes.size() == 1 ? nodes.get(0) : new FailoverTransport(nodes, names);
  }

  private static void close(DeviceDatabase database) {
    try {
      database.close();
    } catch (RuntimeException e) {
      LOG.debug("closing {} failed", database.path(), e);
    }
  }
}
