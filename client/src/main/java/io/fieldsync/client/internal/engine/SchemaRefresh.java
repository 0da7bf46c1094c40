package io.fieldsync.client.internal.engine;

import io.fieldsync.ConfigException;
import io.fieldsync.client.internal.capture.LocalTables;
import io.fieldsync.client.internal.state.DeviceDatabase;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaCodec;
import io.fieldsync.wire.SchemaResponse;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the server's schema and who the token belongs to, and migrates the local tables when the
 * server's schema is newer. Not thread-safe: runs inside a sync cycle.
 */
public final class SchemaRefresh {
  private static final Logger LOG = LoggerFactory.getLogger(SchemaRefresh.class);

  private final DeviceDatabase database;
  private final Transport transport;

  public SchemaRefresh(DeviceDatabase database, Transport transport) {
    this.database = database;
    this.transport = transport;
  }

  /**
   * Returns the schema to use from now on: {@code local}, or the server's newer one after the local
   * tables and triggers were migrated to it.
   *
   * @throws ConfigException when the token is for another tenant or device, or the change is not
   *     additive
   */
  public Schema refresh(Schema local) {
    return refresh(local, fetch());
  }

  /** Asks the server for its schema and whom the token belongs to; touches no local data. */
  SchemaResponse fetch() {
    return transport.schema();
  }

  /**
   * {@link #refresh(Schema)} with the server's answer already fetched.
   *
   * @throws ConfigException when the token is for another tenant or device, or the change is not
   *     additive
   */
  Schema refresh(Schema local, SchemaResponse response) {
    checkIdentity(response);
    Schema remote = SchemaCodec.fromWire(response.getSchema());
    if (remote.version() > local.version()) {
      new LocalTables(database).migrate(local, remote, response.getSchema());
      LOG.info(
          "migrated {} from schema version {} to {}",
          database.path(),
          local.version(),
          remote.version());
      return remote;
    }
    if (remote.version() < local.version()) {
      LOG.warn(
          "server schema version {} is older than the local version {}; keeping the local one",
          remote.version(),
          local.version());
    }
    return local;
  }

  /**
   * Refuses a token issued for another tenant or device than the database's: its pulls would mix
   * another tenant's rows and sequence into this database, and the server would attribute this
   * device's edits to another device.
   */
  private void checkIdentity(SchemaResponse response) {
    String tenant = nullToEmpty(database.read(c -> database.state().tenant()));
    String device = database.read(c -> database.state().device());
    if (!Objects.equals(tenant, response.getTenant())
        || !Objects.equals(device, response.getDevice())) {
      throw new ConfigException(
          "the token is for tenant '"
              + response.getTenant()
              + "', device '"
              + response.getDevice()
              + "', but "
              + database.path()
              + " belongs to tenant '"
              + tenant
              + "', device '"
              + device
              + "'; use a token minted for this device");
    }
  }

  private static String nullToEmpty(String text) {
    return text == null ? "" : text;
  }
}
