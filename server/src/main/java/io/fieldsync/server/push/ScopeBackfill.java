package io.fieldsync.server.push;

import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.store.SyncStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the inherited scope of stored records in line with the schema a server starts with, when
 * the schema's scope definition (which tables are scoped, by which column, through which parent)
 * differs from the one the store last recorded: a table that gains {@code scope: { via }} while it
 * holds rows, a via chain that changes, a root whose scope column changes.
 *
 * <p>Every live record of every table scoped through a parent, tenant by tenant, in pages of {@link
 * #PAGE} ids, each page in one write transaction of its tenant, goes through {@link
 * ScopeInheritance} as if it had just been written: a record whose inherited value differs from its
 * parent's scope, or that never had one, takes it at a new sequence, and its children follow. The
 * pulls then do what they do for any move: devices that gain a record receive it whole, devices
 * that lose it a removal, tenant-wide devices nothing.
 *
 * <p>Idempotent: each page compares what it finds under the tenant's write lock, so a record
 * already in line (by an earlier run, or a push) is left alone; the definition is recorded only
 * after every tenant is done, so a run cut short starts over on the next start and finds only what
 * is left. The server runs it inside {@code SyncStore.migrate(schema, then)}, so nodes of one
 * PostgreSQL database starting together run it one after the other (the later ones find the
 * definition recorded), and never while another node alters the tables. Tables in order of depth,
 * so a child is compared with a parent already in line. Logs the records that moved, by table.
 */
public final class ScopeBackfill {
  /** The setting under which the store records the scope definition its records follow. */
  static final String SETTING = "scope-definition";

  /** Records per write transaction: the memory a page holds, whatever the tenant's size. */
  static final int PAGE = 500;

  /** The device name the settled records' working set carries; no field version names it. */
  private static final String DEVICE = "fieldsync-server";

  private static final Logger log = LoggerFactory.getLogger(ScopeBackfill.class);

  private ScopeBackfill() {}

  /**
   * Realigns the stored records when the store recorded another scope definition than {@code
   * schema}'s (or none, and the schema has tables scoped through a parent), then records this one.
   *
   * @param now the server's wall clock, in milliseconds
   * @return how many records took a new inherited scope, by table (empty when nothing was to do)
   * @throws io.fieldsync.StorageException when the store fails (retriable: the next start resumes)
   */
  public static Map<String, Long> run(SyncStore store, Schema schema, long now) {
    String definition = definition(schema);
    String recorded = store.setting(SETTING);
    if (definition.equals(recorded)) {
      return Map.of();
    }
    List<Table> viaTables = ScopeInheritance.viaTables(schema);
    Map<String, Long> moved = new LinkedHashMap<>();
    if (!viaTables.isEmpty()) {
      long started = System.nanoTime();
      List<String> tenants = store.tenants();
      for (String tenant : tenants) {
        for (Table table : viaTables) {
          realign(store, schema, now, tenant, table, moved);
        }
      }
      log.info(
          "scope definition changed ({} -> {}): realigned {} tenants in {} ms; records that took a"
              + " new inherited scope, by table: {}",
          recorded == null ? "none recorded" : recorded,
          definition,
          tenants.size(),
          (System.nanoTime() - started) / 1_000_000,
          moved.isEmpty() ? "none" : moved);
    }
    if (recorded == null) {
      store.settingIfAbsent(SETTING, definition);
    } else {
      store.replaceSetting(SETTING, recorded, definition);
    }
    return moved;
  }

  private static void realign(
      SyncStore store,
      Schema schema,
      long now,
      String tenant,
      Table table,
      Map<String, Long> moved) {
    SchemaColumns columns = new SchemaColumns(schema);
    String after = null;
    while (true) {
      List<String> ids = store.liveIds(tenant, table.name(), after, PAGE);
      if (ids.isEmpty()) {
        return;
      }
      List<WorkingRecord> written =
          store.write(
              tenant,
              transaction -> {
                WorkingSet set = new WorkingSet(transaction, columns, DEVICE, now);
                List<WorkingRecord> records = set.workingAll(table, ids);
                set.workingAll(schema.scopeParent(table), parentIds(table, records));
                new ScopeInheritance(set, schema).settle(records);
                set.save();
                return set.written();
              });
      for (WorkingRecord record : written) {
        moved.merge(record.table.name(), 1L, Long::sum);
      }
      after = ids.get(ids.size() - 1);
    }
  }

  /** The distinct parents {@code records} point at, to load in bulk rather than one by one. */
  private static List<String> parentIds(Table table, List<WorkingRecord> records) {
    Set<String> ids = new LinkedHashSet<>();
    for (WorkingRecord record : records) {
      Object parent = record.values.get(table.scopeVia());
      if (parent != null) {
        ids.add(parent.toString());
      }
    }
    return List.copyOf(ids);
  }

  /**
   * The schema's scope definition as text: each scoped table with its scope column or the column it
   * inherits through, in name order.
   */
  static String definition(Schema schema) {
    StringJoiner joiner = new StringJoiner(", ");
    List<String> names = new ArrayList<>(schema.tables().keySet());
    names.sort(null);
    for (String name : names) {
      Table table = schema.table(name);
      if (table.scopeVia() != null) {
        joiner.add(name + " via " + table.scopeVia());
      } else if (table.scope() != null) {
        joiner.add(name + " by " + table.scope());
      }
    }
    return joiner.toString();
  }
}
