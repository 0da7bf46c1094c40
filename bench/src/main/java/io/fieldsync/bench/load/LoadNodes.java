package io.fieldsync.bench.load;

import io.fieldsync.bench.Workload;
import io.fieldsync.schema.Schema;
import io.fieldsync.server.ServerConfig;
import io.fieldsync.server.SyncServer;
import io.fieldsync.server.TokenService;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.SyncStores;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The server JVM of a load run: {@code nodes} {@link SyncServer} nodes on loopback, each with its
 * own store (and connection pool) on one PostgreSQL database, sharing the token secret, so that the
 * heap and the threads measured are the servers' alone. Arguments: the store location, the number
 * of nodes, the secret file, the pool size per node.
 *
 * <p>Prints {@code ready PORT...} once every node serves. Then each {@code sample} line on standard
 * input is answered with {@code sample HEAP_USED HEAP_AFTER_GC THREADS LIVE_CHANNELS} (bytes, after
 * a full collection for the second figure). Closing standard input stops the nodes.
 */
public final class LoadNodes {
  private LoadNodes() {}

  /**
   * The heap in use after a full collection. A collection asked for while a thread holds a JNI
   * critical region (zstd's buffers) is skipped, so the request is repeated until the old
   * generation's collector has run; if it never does, the least reading is taken.
   */
  private static long heapAfterGc() throws InterruptedException {
    GarbageCollectorMXBean full =
        ManagementFactory.getGarbageCollectorMXBeans().stream()
            .filter(bean -> bean.getName().contains("Old") || bean.getName().contains("MarkSweep"))
            .findFirst()
            .orElse(null);
    long least = Long.MAX_VALUE;
    for (int attempt = 0; attempt < 10; attempt++) {
      long before = full == null ? -1 : full.getCollectionCount();
      System.gc();
      least = Math.min(least, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
      if (full == null || full.getCollectionCount() > before) {
        return least;
      }
      Thread.sleep(50);
    }
    return least;
  }

  public static void main(String[] args) throws Exception {
    String location = args[0];
    int count = Integer.parseInt(args[1]);
    byte[] secret = TokenService.loadOrCreateSecret(Path.of(args[2]));
    int poolSize = Integer.parseInt(args[3]);
    Schema schema = Workload.exampleSchema();
    List<SyncStore> stores = new ArrayList<>();
    List<SyncServer> nodes = new ArrayList<>();
    try {
      StringBuilder ready = new StringBuilder("ready");
      for (int node = 0; node < count; node++) {
        SyncStore store = SyncStores.open(location, new StoreOptions(poolSize, 10_000));
        stores.add(store);
        SyncServer server =
            SyncServer.start(ServerConfig.builder(store, schema, secret).port(0).build());
        nodes.add(server);
        ready.append(' ').append(server.port());
      }
      System.out.println(ready);
      System.out.flush();
      BufferedReader commands =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line = commands.readLine(); line != null; line = commands.readLine()) {
        if (line.equals("sample")) {
          long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
          long afterGc = heapAfterGc();
          int threads = ManagementFactory.getThreadMXBean().getThreadCount();
          int live = nodes.stream().mapToInt(SyncServer::liveDevices).sum();
          System.out.println("sample " + used + " " + afterGc + " " + threads + " " + live);
          System.out.flush();
        }
      }
    } finally {
      for (SyncServer node : nodes) {
        node.close();
      }
      for (SyncStore store : stores) {
        store.close();
      }
    }
  }
}
