package io.fieldsync.bench;

import io.fieldsync.client.DeviceKey;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.transport.HttpTransport;
import io.fieldsync.server.SyncServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A running server of one measurement, the byte meter in front of it, and how to make devices for
 * it: metered devices and raw protocol clients in the measurement's tenant, and tokens for devices
 * of other tenants.
 */
final class BenchServer {
  final SyncServer server;
  final WireMeter meter;
  final String tenant;
  final Path dir;
  private final long seed;

  BenchServer(SyncServer server, WireMeter meter, String tenant, Path dir, long seed) {
    this.server = server;
    this.meter = meter;
    this.tenant = tenant;
    this.dir = dir;
    this.seed = seed;
  }

  String token(String device) {
    return token(tenant, device);
  }

  String token(String tenant, String device) {
    return server.tokens().mint(tenant, device, device, null, List.of(), Duration.ofHours(12));
  }

  /** A device whose every request goes through the byte meter and is counted. */
  MeteredDevice device(String name) {
    return device(name, null);
  }

  /** {@link #device(String)} with its database encrypted with {@code key} (null: unencrypted). */
  MeteredDevice device(String name, DeviceKey key) {
    CountingTransport transport =
        new CountingTransport(
            new HttpTransport(
                meter.uri(), token(name), Duration.ofSeconds(10), Duration.ofMinutes(10)));
    FieldSyncClient.Builder builder = FieldSyncClient.builder(dir.resolve(name + ".db"));
    if (key != null) {
      builder.key(key);
    }
    FieldSyncClient client =
        builder
            .transport(transport)
            .seed(seed ^ name.hashCode())
            .workerSeed(seed ^ name.hashCode())
            .pullPageSize(Workload.PULL_PAGE)
            .initialize();
    return new MeteredDevice(name, client, transport);
  }

  /** A raw protocol client straight to the server (no device database). */
  HttpTransport raw(String device) {
    return new HttpTransport(
        server.uri(), token(device), Duration.ofSeconds(10), Duration.ofMinutes(10));
  }
}
