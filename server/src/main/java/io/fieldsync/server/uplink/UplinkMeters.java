package io.fieldsync.server.uplink;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The uplink's meters ({@code fieldsync_uplink_*} in Prometheus), registered on the server's
 * registry and removed when the uplink closes.
 */
final class UplinkMeters implements AutoCloseable {
  private final MeterRegistry registry;
  private final List<Meter> meters = new ArrayList<>();
  private final Counter pushed;
  private final Counter pulled;
  private final Counter rejected;
  private final Counter failures;
  private final Counter resyncs;
  private final Counter resyncRemoved;

  UplinkMeters(MeterRegistry registry, Supplier<UplinkStatus> status) {
    this.registry = registry;
    pushed = counter("fieldsync.uplink.pushed.changes", "Changes pushed to the upstream server");
    pulled =
        counter("fieldsync.uplink.pulled.records", "Records pulled from the upstream and applied");
    rejected =
        counter(
            "fieldsync.uplink.rejected.changes",
            "Changes the upstream refused; the regional copy took the upstream's state");
    failures = counter("fieldsync.uplink.failures", "Sync attempts with the upstream that failed");
    resyncs =
        counter(
            "fieldsync.uplink.resyncs",
            "Resyncs the upstream asked for (410 resync_required): the tenant re-read from upstream");
    resyncRemoved =
        counter(
            "fieldsync.uplink.resync.removed.records",
            "Records a resync removed here because the upstream no longer holds them");
    gauge(
        "fieldsync.uplink.connected",
        "1 when the last sync with the upstream succeeded, else 0",
        () -> status.get().state().equals("connected") ? 1 : 0);
    gauge(
        "fieldsync.uplink.unpushed.sequences",
        "Local sequences above the position the upstream acknowledged, when last looked at",
        () -> status.get().unpushed());
    gauge(
        "fieldsync.uplink.cursor",
        "The last upstream sequence applied here",
        () -> status.get().cursor());
    gauge(
        "fieldsync.uplink.last.sync.seconds",
        "When a sync with the upstream last succeeded (Unix time), 0 for never",
        () -> status.get().lastSyncMillis() / 1000.0);
  }

  private Counter counter(String name, String description) {
    Counter counter = Counter.builder(name).description(description).register(registry);
    meters.add(counter);
    return counter;
  }

  private void gauge(String name, String description, Supplier<Number> value) {
    meters.add(
        Gauge.builder(name, value, supplier -> supplier.get().doubleValue())
            .description(description)
            .strongReference(true)
            .register(registry));
  }

  void pushed(int changes) {
    pushed.increment(changes);
  }

  void pulled(int records) {
    pulled.increment(records);
  }

  void rejected(int changes) {
    rejected.increment(changes);
  }

  void failed() {
    failures.increment();
  }

  void resyncStarted() {
    resyncs.increment();
  }

  void resynced(long removed) {
    resyncRemoved.increment(removed);
  }

  @Override
  public void close() {
    meters.forEach(registry::remove);
  }
}
