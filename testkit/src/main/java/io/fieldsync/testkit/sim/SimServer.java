package io.fieldsync.testkit.sim;

import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.server.InProcessNode;
import io.fieldsync.server.ServerConfig;
import io.fieldsync.server.http.SyncHandler;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.SyncStore;
import io.fieldsync.testkit.ServerDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The simulated server: N {@link InProcessNode}s over one real store, each with its own virtual
 * wall clock (true time plus a few milliseconds of its own skew). A restart closes a node and its
 * store and opens both again; a schema bump restarts every node with the next version.
 */
final class SimServer implements AutoCloseable {
  static final String TENANT = "sim";

  static final String SCHEMA_V1 =
      """
      version: 1
      tables:
        tallies:
          on_delete: update_wins
          columns:
            id:   { type: text, primary_key: true }
            hits: { type: integer, conflict: sum }
        items:
          conflict: lww
          on_delete: delete_wins
          columns:
            id:    { type: text, primary_key: true }
            label: { type: text }
            score: { type: integer }
            total: { type: integer, conflict: sum }
            tags:  { type: json, conflict: union }
            hi:    { type: integer, conflict: max }
            lo:    { type: integer, conflict: min }
            owned: { type: text, conflict: server_wins }
            memo:  { type: text, conflict: manual }
      """;

  /** Version 2: one more column, added while devices hold version 1. */
  static final String SCHEMA_V2 =
      SCHEMA_V1.replace("version: 1", "version: 2") + "      extra: { type: text }\n";

  private final ServerDatabase database;
  private final byte[] secret;
  private final LongSupplier[] clocks;
  private final List<SyncStore> stores = new ArrayList<>();
  private final List<InProcessNode> nodes = new ArrayList<>();
  private Schema schema = SchemaLoader.parse(SCHEMA_V1);

  /** SQLite serves one process: its nodes share one store, reopened only when all restart. */
  private final boolean sharedStore;

  SimServer(ServerDatabase database, byte[] secret, LongSupplier[] clocks) {
    this.database = database;
    this.sharedStore = database.file().isPresent();
    this.secret = secret;
    this.clocks = clocks;
    for (int node = 0; node < clocks.length; node++) {
      stores.add(null);
      nodes.add(null);
      start(node);
    }
  }

  private void start(int node) {
    SyncStore store = stores.get(node);
    if (store == null) {
      store = sharedStore && node > 0 ? stores.get(0) : database.open(new StoreOptions(2, 10_000));
      if (sharedStore) {
        for (int other = 0; other < stores.size(); other++) {
          stores.set(other, store);
        }
      } else {
        stores.set(node, store);
      }
    }
    ServerConfig config =
        ServerConfig.builder(store, schema, secret)
            .wallClock(clocks[node])
            .clockSkewToleranceMillis(Faults.SKEW_TOLERANCE_MILLIS)
            .pullAheadThreads(0)
            .build();
    nodes.set(node, InProcessNode.start(config));
  }

  int nodeCount() {
    return nodes.size();
  }

  Schema schema() {
    return schema;
  }

  ServerDatabase database() {
    return database;
  }

  SyncStore store() {
    return stores.get(0);
  }

  SyncHandler.Answer exchange(
      int node, String method, String path, Map<String, String> headers, byte[] body) {
    return nodes.get(node).exchange(method, path, headers, body);
  }

  /** A device token minted now (virtual time), valid for {@code ttl}. */
  String token(String device, long ttlMillis) {
    return nodes
        .get(0)
        .tokens()
        .mint(
            TENANT, device, "user-" + device, "surveyor", List.of(), Duration.ofMillis(ttlMillis));
  }

  /** Stops a node and closes its store, then opens both again. */
  void restart(int node) {
    stop(node);
    start(node);
  }

  /** Restarts every node with the next schema version. */
  void bumpSchema() {
    schema = SchemaLoader.parse(SCHEMA_V2);
    for (int node = 0; node < nodes.size(); node++) {
      nodes.get(node).close();
    }
    stores.stream().filter(java.util.Objects::nonNull).distinct().forEach(SyncStore::close);
    for (int node = 0; node < nodes.size(); node++) {
      stores.set(node, null);
    }
    for (int node = 0; node < nodes.size(); node++) {
      start(node);
    }
  }

  /** Closes the node; its store too, unless other nodes share it. */
  private void stop(int node) {
    nodes.get(node).close();
    if (!sharedStore || nodes.size() == 1) {
      stores.get(node).close();
      stores.set(node, null);
    }
  }

  @Override
  public void close() {
    for (InProcessNode node : nodes) {
      node.close();
    }
    stores.stream().filter(java.util.Objects::nonNull).distinct().forEach(SyncStore::close);
    database.close();
  }
}
