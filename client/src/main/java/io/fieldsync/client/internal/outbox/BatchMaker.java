package io.fieldsync.client.internal.outbox;

import io.fieldsync.client.internal.outbox.Outbox.Pending;
import io.fieldsync.client.internal.outbox.Outbox.RecordKey;
import io.fieldsync.client.internal.state.DeviceState;
import io.fieldsync.client.internal.state.Jdbc;
import io.fieldsync.client.transport.EncodedPush;
import io.fieldsync.schema.Schema;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.PushRequest;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * Makes the next push batch from the outbox, encoded for the wire once, and stores it as inflight
 * before it is sent.
 */
final class BatchMaker {
  private final Clock clock;
  private final Random random;
  private final String tenant;

  BatchMaker(Clock clock, Random random, String tenant) {
    this.clock = clock;
    this.random = random;
    this.tenant = tenant == null ? "" : tenant;
  }

  /**
   * A batch made from the log rows after {@code after} up to {@code end}: consolidated, numbered
   * and encoded, not yet stored; {@code push} is null when its rows cancelled out.
   */
  record Prepared(long after, long end, long number, EncodedPush push) {}

  /**
   * Makes the batch of the log rows after {@code after} up to {@code end}, numbered after the
   * database's last batch; reads only.
   */
  Prepared prepare(Connection c, Schema schema, long after, long end) throws SQLException {
    Map<RecordKey, Pending> pending = Outbox.between(c, after, end);
    List<Change> changes = new ArrayList<>(pending.size());
    long newestStamp = 0;
    for (Pending record : pending.values()) {
      newestStamp = Math.max(newestStamp, record.hlc);
      Change change = record.toChange(schema.table(record.key.table()));
      if (change != null) {
        changes.add(change);
      }
    }
    if (changes.isEmpty()) {
      return new Prepared(after, end, 0, null);
    }
    DeviceState state = new DeviceState(c);
    long number = state.deviceBatches() + 1;
    PushRequest.Builder request =
        PushRequest.newBuilder()
            .setBatchId(batchId(number, newestStamp).toString())
            .setDeviceBatch(number)
            .setSchemaVersion(schema.version())
            .addAllChanges(changes)
            .setDeviceHlc(state.hlc());
    if (!tenant.isEmpty()) {
      request.setTenant(tenant);
    }
    return new Prepared(after, end, number, EncodedPush.encode(request.build()));
  }

  /**
   * Stores the batch as inflight, in the caller's transaction, in place of any other; a batch whose
   * rows cancelled out deletes those rows (its own only: the batch before it may still be awaiting
   * its acknowledgement) instead. Returns false, storing nothing, when the batch's number is no
   * longer the next one: it must be made again.
   */
  boolean store(Connection c, Prepared batch) throws SQLException {
    if (batch.push() == null) {
      new Jdbc(c)
          .update("DELETE FROM _fs_changelog WHERE id > ? AND id <= ?", batch.after(), batch.end());
      return true;
    }
    DeviceState state = new DeviceState(c);
    if (state.deviceBatches() + 1 != batch.number()) {
      return false;
    }
    state.storeDeviceBatches(batch.number());
    InflightBatch.store(c, batch.push(), batch.end(), clock.millis());
    return true;
  }

  /**
   * A version-4 UUID from the injected generator, mixed with the database's batch number (never
   * repeats in a database) and the batch's newest capture stamp (never repeats on a device, even in
   * a database restored from a backup), so even a fixed test seed cannot make a device reuse a
   * batch id and be answered with an old outcome.
   */
  private UUID batchId(long number, long stamp) {
    long high = ((random.nextLong() ^ stamp) & ~0xF000L) | 0x4000L;
    long low = ((random.nextLong() & 0xFFFF_0000_0000_0000L) ^ (number & 0x0000_FFFF_FFFF_FFFFL));
    low = (low & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
    return new UUID(high, low);
  }
}
