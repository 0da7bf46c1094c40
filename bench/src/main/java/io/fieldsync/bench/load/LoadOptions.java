package io.fieldsync.bench.load;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What a load run does ({@code fieldsync bench load}; docs/benchmarks.md, "Sustained load").
 *
 * @param devices devices in all, real ones included
 * @param realDevices of them, real device databases written by plain SQL and synced by the library
 * @param nodes server nodes, all on one PostgreSQL database
 * @param duration how long devices write before the network heals and the checks run
 * @param tenantSize devices per tenant (a push pokes the live channels of its tenant)
 * @param households shared households per tenant, written by every device of the tenant
 * @param syncInterval mean time between a protocol client's rounds of writes (exponential)
 * @param deviceInterval mean time between a real device's rounds of writes and syncs
 * @param pokeGap the least time between a protocol client's pulls when it is poked
 * @param faultRate probability that a push or pull suffers a network fault
 * @param faultDelay how long a delayed request waits
 * @param liveCutRate probability per second that an open live channel is cut
 * @param sampleEvery how often the server JVM is sampled (heap after a full GC, threads,
 *     connections)
 * @param heapGrowthPercent how far the last tenth's heap after GC may lie above the second tenth's
 * @param threadGrowthPercent the same for the server's thread count
 * @param poolSize PostgreSQL connections per node
 * @param serverHeapMegabytes the server JVM's maximum heap
 * @param threads the driver's threads for device actions
 * @param seed seeds the writes and the faults
 * @param out where the report goes
 * @param command the command line, quoted in the report
 */
public record LoadOptions(
    int devices,
    int realDevices,
    int nodes,
    Duration duration,
    int tenantSize,
    int households,
    Duration syncInterval,
    Duration deviceInterval,
    Duration pokeGap,
    double faultRate,
    Duration faultDelay,
    double liveCutRate,
    Duration sampleEvery,
    double heapGrowthPercent,
    double threadGrowthPercent,
    int poolSize,
    int serverHeapMegabytes,
    int threads,
    long seed,
    Path out,
    String command) {

  public LoadOptions {
    require(devices >= 1, "devices must be 1 or more, found " + devices);
    require(
        realDevices >= 0 && realDevices <= devices,
        "real devices must be between 0 and devices (" + devices + "), found " + realDevices);
    require(nodes >= 1, "nodes must be 1 or more, found " + nodes);
    require(tenantSize >= 1, "tenant size must be 1 or more, found " + tenantSize);
    require(households >= 1, "households must be 1 or more, found " + households);
    require(faultRate >= 0 && faultRate <= 1, "fault rate must be in [0, 1], found " + faultRate);
    require(
        liveCutRate >= 0 && liveCutRate <= 1,
        "live cut rate must be in [0, 1], found " + liveCutRate);
    require(positive(duration), "duration must be positive, found " + duration);
    require(positive(syncInterval), "sync interval must be positive, found " + syncInterval);
    require(positive(deviceInterval), "device interval must be positive, found " + deviceInterval);
    require(!pokeGap.isNegative(), "poke gap must not be negative, found " + pokeGap);
    require(!faultDelay.isNegative(), "fault delay must not be negative, found " + faultDelay);
    require(
        positive(sampleEvery) && sampleEvery.multipliedBy(10).compareTo(duration) <= 0,
        "sample interval must be positive and at most a tenth of the duration ("
            + duration
            + "), so each tenth holds a sample; found "
            + sampleEvery);
    require(
        heapGrowthPercent >= 0 && threadGrowthPercent >= 0,
        "growth bounds must not be negative, found "
            + heapGrowthPercent
            + " and "
            + threadGrowthPercent);
    require(poolSize >= 1, "pool size must be 1 or more, found " + poolSize);
    require(serverHeapMegabytes >= 64, "server heap must be 64 MB or more");
    require(threads >= 1, "threads must be 1 or more, found " + threads);
  }

  /** Devices per tenant, the last tenant taking what is left. */
  int tenants() {
    return (devices + tenantSize - 1) / tenantSize;
  }

  private static boolean positive(Duration duration) {
    return duration != null && !duration.isNegative() && !duration.isZero();
  }

  private static void require(boolean holds, String message) {
    if (!holds) {
      throw new IllegalArgumentException(message);
    }
  }
}
