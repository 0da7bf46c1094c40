package io.fieldsync.multinode;

import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.transport.HttpTransport;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.server.ServerConfig;
import io.fieldsync.server.SyncServer;
import io.fieldsync.store.SyncStore;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Several {@link SyncServer} nodes on loopback, each with its own store (on one shared database for
 * PostgreSQL), one schema and one token secret, so a device token is valid on every node.
 */
final class Cluster implements AutoCloseable {
  static final String TENANT = "acme";

  static final Schema SCHEMA =
      SchemaLoader.parse(
          """
          version: 1
          tables:
            households:
              columns:
                id:        { type: uuid, primary_key: true }
                region:    { type: text, required: true }
                head_name: { type: text }
                visits:    { type: integer, conflict: sum }
            visits:
              columns:
                id:           { type: uuid, primary_key: true }
                household_id: { type: uuid, references: households }
                note:         { type: text }
          """);

  private static final byte[] SECRET =
      "multinode-test-secret-of-at-least-32-bytes".getBytes(StandardCharsets.UTF_8);

  final List<SyncStore> stores;
  final List<SyncServer> servers = new ArrayList<>();

  /** Taken at start: a stopped server no longer knows its port. */
  private final List<URI> uris = new ArrayList<>();

  /** Starts one node per store; the cluster closes the stores. */
  Cluster(List<SyncStore> stores) {
    this.stores = List.copyOf(stores);
    try {
      for (SyncStore store : stores) {
        SyncServer server =
            SyncServer.start(ServerConfig.builder(store, SCHEMA, SECRET).port(0).build());
        servers.add(server);
        uris.add(server.uri());
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  int size() {
    return servers.size();
  }

  URI uri(int node) {
    return uris.get(node);
  }

  String token(String device) {
    return servers.get(0).tokens().mint(TENANT, device, null, null, List.of(), Duration.ofHours(1));
  }

  HttpTransport http(int node, String device) {
    return new HttpTransport(
        uri(node), token(device), Duration.ofSeconds(5), Duration.ofSeconds(30));
  }

  /** A device database in {@code dir}, initialized through {@code transport}. */
  static FieldSyncClient device(Path dir, String name, Transport transport, long seed) {
    return device(dir, name, transport, seed, UnaryOperator.identity());
  }

  /** A device with more settings (a worker's, say) applied to its builder. */
  static FieldSyncClient device(
      Path dir,
      String name,
      Transport transport,
      long seed,
      UnaryOperator<FieldSyncClient.Builder> settings) {
    return settings
        .apply(FieldSyncClient.builder(dir.resolve(name + ".db")).transport(transport).seed(seed))
        .initialize();
  }

  /** Stops a node's HTTP server (its store stays open until {@link #close}). */
  void stop(int node) {
    servers.get(node).close();
  }

  @Override
  public void close() {
    for (SyncServer server : servers) {
      server.close();
    }
    for (SyncStore store : stores) {
      store.close();
    }
  }
}
