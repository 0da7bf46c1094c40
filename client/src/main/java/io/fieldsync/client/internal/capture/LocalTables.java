package io.fieldsync.client.internal.capture;

import io.fieldsync.ConfigException;
import io.fieldsync.client.internal.state.DeviceDatabase;
import io.fieldsync.client.internal.state.DeviceState;
import io.fieldsync.client.internal.state.Jdbc;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.wire.SchemaDef;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates a device database's tables and triggers, upgrades a database written by an older library
 * to the current {@linkplain LocalSchema#LAYOUT layout}, and migrates the tables to a newer server
 * schema. Each step is one transaction.
 */
public final class LocalTables {
  private final DeviceDatabase database;

  public LocalTables(DeviceDatabase database) {
    this.database = database;
  }

  /** Makes a new device database: WAL mode, every table and trigger, the identity and schema. */
  public void initialize(
      SchemaDef def,
      Schema schema,
      String tenant,
      String device,
      long serverHlc,
      List<URI> servers,
      String token) {
    database.useWriteAheadLog();
    database.transaction(
        c -> {
          new Jdbc(c).executeAll(LocalSchema.create(schema, device));
          DeviceState state = database.state();
          state.create(device, serverHlc);
          state.storeIdentity(servers, token, tenant);
          state.storeSchema(def, schema.version());
          state.storeLayout(LocalSchema.LAYOUT);
          return null;
        });
  }

  /**
   * Brings a database made by an older library to the current layout, losing nothing; refuses one
   * made by a newer library, whose tables this one would not keep (an answered batch in {@code
   * _fs_answered}, say, would never be acknowledged).
   */
  public void upgrade(Schema schema) {
    long version = database.read(c -> database.state().layout());
    if (version > LocalSchema.LAYOUT) {
      throw new ConfigException(
          "this device database has local layout "
              + version
              + ", made by a newer fieldsync; this one knows layouts up to "
              + LocalSchema.LAYOUT
              + ": open it with that newer version");
    }
    if (version == LocalSchema.LAYOUT) {
      return;
    }
    database.transaction(
        c -> {
          Jdbc jdbc = new Jdbc(c);
          if (version < 2) {
            jdbc.executeAll(LocalSchema.upgradeFromLayout1(schema));
          }
          if (version < 3) {
            jdbc.executeAll(LocalSchema.upgradeFromLayout2());
          }
          if (version < 5) {
            jdbc.executeAll(LocalSchema.upgradeFromLayout4(schema, database.state().device()));
          }
          if (version < 6 && schema.version() > 1) {
            // An older library skipped pulled values of columns and tables it did not have yet.
            database.state().storeSchemaRepairPending(true);
          }
          if (version < 7) {
            jdbc.executeAll(LocalSchema.upgradeFromLayout6(jdbc));
          }
          if (version < 8) {
            jdbc.executeAll(List.of(LocalSchema.ANSWERED_DDL));
          }
          database.state().convertTextListsToJson();
          database.state().storeLayout(LocalSchema.LAYOUT);
          return null;
        });
  }

  /**
   * Brings the local tables and triggers to a newer schema. Only additive changes are supported
   * (new tables, new columns); anything else needs a fresh device database. When tables or columns
   * were added, the next sync compares the rows with the server's and repairs them ({@link
   * DeviceState#schemaRepairPending}): records pulled before may carry values of them.
   *
   * @throws ConfigException naming the first change that is not additive
   */
  public void migrate(Schema from, Schema to, SchemaDef def) {
    List<String> statements = new ArrayList<>();
    for (Table table : from.tables().values()) {
      Table next = to.table(table.name());
      if (next == null) {
        throw notAdditive(from, to, "table '" + table.name() + "' was removed");
      }
      if (!next.primaryKey().name().equals(table.primaryKey().name())) {
        throw notAdditive(from, to, "table '" + table.name() + "' changed its primary key");
      }
      for (Column column : table.columns().values()) {
        Column nextColumn = next.column(column.name());
        if (nextColumn == null) {
          throw notAdditive(
              from, to, "column '" + column.name() + "' of '" + table.name() + "' was removed");
        }
        if (nextColumn.type() != column.type()) {
          throw notAdditive(
              from,
              to,
              "column '" + column.name() + "' of '" + table.name() + "' changed its type");
        }
      }
      for (Column column : next.columns().values()) {
        if (table.column(column.name()) == null) {
          statements.add(
              "ALTER TABLE "
                  + SqlText.identifier(table.name())
                  + " ADD COLUMN "
                  + LocalSchema.columnDefinition(column));
        }
      }
    }
    for (Table table : to.tables().values()) {
      if (from.table(table.name()) == null) {
        statements.add(LocalSchema.createTable(table));
      }
    }
    boolean added = !statements.isEmpty();
    for (Table table : from.tables().values()) {
      statements.addAll(CaptureTriggers.drop(table));
    }
    database.transaction(
        c -> {
          List<String> all = new ArrayList<>(statements);
          String device = database.state().device();
          for (Table table : to.tables().values()) {
            all.addAll(CaptureTriggers.create(table, device));
          }
          new Jdbc(c).executeAll(all);
          database.state().storeSchema(def, to.version());
          if (added) {
            database.state().storeSchemaRepairPending(true);
          }
          return null;
        });
  }

  private static ConfigException notAdditive(Schema from, Schema to, String what) {
    return new ConfigException(
        "server schema changed from version "
            + from.version()
            + " to "
            + to.version()
            + " in a way a device cannot migrate: "
            + what
            + "; initialize a new device database");
  }
}
