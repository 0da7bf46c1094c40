package io.fieldsync.client;

import io.fieldsync.ConfigException;
import io.fieldsync.ProtocolException;
import io.fieldsync.client.internal.capture.LocalTables;
import io.fieldsync.client.internal.engine.EngineSettings;
import io.fieldsync.client.internal.state.DeviceDatabase;
import io.fieldsync.client.internal.state.DeviceState;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaCodec;
import io.fieldsync.wire.SchemaResponse;
import java.net.URI;
import java.nio.file.Files;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates or opens the device database a {@link FieldSyncClient.Builder} names. */
final class DeviceOpener {
  private static final Logger LOG = LoggerFactory.getLogger(DeviceOpener.class);

  private final FieldSyncClient.Builder settings;

  DeviceOpener(FieldSyncClient.Builder settings) {
    this.settings = settings;
  }

  FieldSyncClient initialize() {
    EngineSettings engine = settings.engineSettings();
    WorkerSettings worker = settings.workerSettings();
    Transport chosen = settings.transport;
    if (chosen == null) {
      if (settings.servers == null || settings.token == null) {
        throw new ConfigException("initialize needs a server URL and a token, or a transport");
      }
      chosen = settings.http(settings.servers, settings.token);
    }
    DeviceDatabase database = DeviceDatabase.open(settings.database);
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
              settings.token);
      return client(database, schema, response.getTenant(), chosen, engine, worker, true);
    } catch (RuntimeException e) {
      close(database);
      throw e;
    }
  }

  FieldSyncClient open() {
    EngineSettings engine = settings.engineSettings();
    WorkerSettings worker = settings.workerSettings();
    if (!Files.isRegularFile(settings.database)) {
      throw new ConfigException(
          "no device database at "
              + settings.database
              + "; create one with `fieldsync client init` (FieldSyncClient.init)");
    }
    DeviceDatabase database = DeviceDatabase.open(settings.database);
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
        chosen = settings.http(urls, bearer);
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
    return new FieldSyncClient(
        database,
        schema,
        tenant,
        transport,
        settings.clock,
        settings.randomOrSecure(),
        engine,
        worker,
        schemaChecked,
        settings.lockWait);
  }

  private static void close(DeviceDatabase database) {
    try {
      database.close();
    } catch (RuntimeException e) {
      LOG.debug("closing {} failed", database.path(), e);
    }
  }
}
