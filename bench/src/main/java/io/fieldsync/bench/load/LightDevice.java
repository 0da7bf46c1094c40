package io.fieldsync.bench.load;

import static io.fieldsync.bench.load.UserWrites.field;

import io.fieldsync.SyncException;
import io.fieldsync.TransportException;
import io.fieldsync.client.transport.LiveSocket;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.ChangeResult;
import io.fieldsync.wire.ChangeStatus;
import io.fieldsync.wire.Field;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.Record;
import io.fieldsync.wire.Values;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A device that speaks the protocol itself, without a database: it keeps its records in memory,
 * holds a live channel open and pulls when poked (at most once per poke gap), and at random moments
 * writes a few changes (a new visit, an edit or a delete of one of its own visits, an increment of
 * a household's {@code sum} counter with a value for its {@code max} column), pushes them under one
 * batch id until an answer arrives (retrying the same id through lost answers), and pulls to the
 * head. What it wrote goes into the model once the push is answered.
 *
 * <p>Its actions run one at a time (they hold the device's lock) on the fleet's threads.
 */
final class LightDevice {
  private static final int PAGE = 1_000;

  private final Fleet fleet;
  private final String tenant;
  private final String name;
  private final Transport transport;
  private final SplittableRandom random;
  private final UserWrites user;
  private final Map<String, Map<String, Object>> replica = new HashMap<>();
  private final AtomicBoolean pokePending = new AtomicBoolean();
  private volatile long cursor;
  private long hlc;
  private long lastPull;
  private volatile LiveSocket live;
  private volatile boolean cutting;

  LightDevice(
      Fleet fleet,
      String tenant,
      String name,
      Transport transport,
      List<String> households,
      long seed) {
    this.fleet = fleet;
    this.tenant = tenant;
    this.name = name;
    this.transport = transport;
    this.random = new SplittableRandom(seed);
    this.user = new UserWrites(name, households, random);
  }

  String name() {
    return name;
  }

  /** Pulls everything, opens the live channel and schedules the first round of writes. */
  void start(long delayMillis) {
    fleet.after(
        delayMillis,
        "light join",
        () -> {
          synchronized (this) {
            pullToHead("light join pull");
          }
          connect();
          scheduleRound();
        });
  }

  /** Cuts the live channel as a network would; the device reconnects. */
  void cut() {
    LiveSocket socket = live;
    if (socket != null && socket.isOpen()) {
      cutting = true;
      fleet.tally.count("live channel: cut by the network (injected)");
      socket.close();
    }
  }

  boolean liveOpen() {
    LiveSocket socket = live;
    return socket != null && socket.isOpen();
  }

  /** Closes the live channel for good. */
  void disconnect() {
    LiveSocket socket = live;
    live = null;
    if (socket != null) {
      socket.close();
    }
  }

  /** Pulls to the head (the run's end, after the network healed). */
  synchronized void finish() {
    pullToHead("light final pull");
  }

  /** What the device holds, in canonical form. */
  synchronized Rows replica(io.fieldsync.schema.Schema schema) {
    Rows rows = new Rows(schema);
    replica.forEach(
        (key, values) -> {
          int space = key.indexOf(' ');
          rows.put(key.substring(0, space), key.substring(space + 1), values);
        });
    return rows;
  }

  String tenant() {
    return tenant;
  }

  private void scheduleRound() {
    if (!fleet.stopping()) {
      fleet.after(
          Fleet.exponential(random, fleet.options.syncInterval()), "light sync", this::round);
    }
  }

  private void round() {
    fleet.round(
        this,
        () -> {
          long started = System.nanoTime();
          List<UserWrites.Write> writes = new ArrayList<>();
          List<Change> changes = new ArrayList<>();
          int count = 1 + random.nextInt(3);
          for (int i = 0; i < count; i++) {
            writes.add(user.next());
            changes.add(change(writes.get(i)));
          }
          if (push(changes)) {
            writes.forEach(write -> write.record(fleet.model, tenant));
          }
          pullToHead("light pull");
          fleet.tally.time(LoadReport.LIGHT_SYNC, started);
        },
        this::scheduleRound);
  }

  /** A write of the user as a change, based on what the device has pulled. */
  private Change change(UserWrites.Write write) {
    long stamp = nextHlc();
    Change.Builder change = Change.newBuilder().setHlc(stamp).setBaseSeq(cursor);
    if (write instanceof UserWrites.NewVisit visit) {
      change.setTable("visits").setRecordId(visit.id()).setOp(Op.OP_INSERT);
      visit.values().forEach((column, value) -> change.addFields(field(column, value, stamp)));
    } else if (write instanceof UserWrites.EditSummary edit) {
      change
          .setTable("visits")
          .setRecordId(edit.id())
          .setOp(Op.OP_UPDATE)
          .addFields(field("summary", edit.summary(), stamp));
    } else if (write instanceof UserWrites.CountVisits count) {
      Map<String, Object> held = replica.getOrDefault("households " + count.household(), Map.of());
      long total = held.get("visit_count") instanceof Long value ? value : 0;
      change
          .setTable("households")
          .setRecordId(count.household())
          .setOp(Op.OP_UPDATE)
          .addFields(
              field("visit_count", total + count.delta(), stamp).toBuilder()
                  .setDelta(count.delta()))
          .addFields(field("members", count.members(), stamp));
    } else if (write instanceof UserWrites.DeleteVisit delete) {
      change.setTable("visits").setRecordId(delete.id()).setOp(Op.OP_DELETE);
    }
    return change.build();
  }

  /**
   * Pushes one batch until it is answered; true when every change applied or merged. A refusal or a
   * rejected change is counted (the run's checks then fail on the missing writes).
   */
  private boolean push(List<Change> changes) {
    PushRequest request =
        PushRequest.newBuilder()
            .setBatchId(new UUID(random.nextLong(), random.nextLong()).toString())
            .setSchemaVersion(fleet.schemaVersion)
            .setDeviceHlc(nextHlc())
            .addAllChanges(changes)
            .build();
    for (int attempt = 1; ; attempt++) {
      long started = System.nanoTime();
      PushResponse response;
      try {
        response = transport.push(request);
      } catch (TransportException e) {
        fleet.tally.error("light push", e);
        Fleet.backOff(random, attempt);
        continue;
      } catch (SyncException e) {
        fleet.tally.error("light push", e);
        return false;
      }
      fleet.tally.time("light push request", started);
      merge(response.getServerHlc());
      boolean all = true;
      for (ChangeResult result : response.getResultsList()) {
        if (result.getStatus() != ChangeStatus.APPLIED
            && result.getStatus() != ChangeStatus.MERGED) {
          fleet.tally.count(
              "light push: change " + result.getStatus() + " (" + result.getReason() + ")");
          all = false;
        }
      }
      return all;
    }
  }

  private void pullToHead(String operation) {
    boolean more = true;
    for (int attempt = 1; more; ) {
      long started = System.nanoTime();
      PullResponse page;
      try {
        page =
            transport.pull(
                PullRequest.newBuilder()
                    .setCursor(cursor)
                    .setLimit(PAGE)
                    .setSchemaVersion(fleet.schemaVersion)
                    .build());
      } catch (TransportException e) {
        fleet.tally.error(operation, e);
        Fleet.backOff(random, attempt++);
        continue;
      } catch (SyncException e) {
        fleet.tally.error(operation, e);
        return;
      }
      fleet.tally.time(operation + " request", started);
      for (Record record : page.getRecordsList()) {
        String key = record.getTable() + " " + record.getRecordId();
        if (record.getDeleted() || record.getAbsent() || record.getEvicted()) {
          replica.remove(key);
        } else {
          Map<String, Object> values = new HashMap<>();
          for (Field field : record.getFieldsList()) {
            values.put(field.getColumn(), Values.fromWire(field.getValue()));
          }
          replica.put(key, values);
        }
      }
      merge(page.getServerHlc());
      cursor = page.getNextCursor();
      more = page.getHasMore();
    }
    lastPull = System.nanoTime();
  }

  private void connect() {
    if (fleet.stopping()) {
      return;
    }
    try {
      live =
          transport.live(
              new LiveSocket.Listener() {
                @Override
                public void poked(long sequence) {
                  if (sequence > cursor && pokePending.compareAndSet(false, true)) {
                    long sincePull = (System.nanoTime() - lastPull) / 1_000_000;
                    long wait =
                        Math.max(0, fleet.options.pokeGap().toMillis() - sincePull) + random(500);
                    fleet.after(wait, "light poked pull", LightDevice.this::pokedPull);
                  }
                }

                @Override
                public void closed(String reason) {
                  if (cutting) {
                    cutting = false;
                  } else if (fleet.stopping() || live == null) {
                    return;
                  } else {
                    fleet.tally.count("live channel: closed (" + shorten(reason) + ")");
                  }
                  fleet.after(1_000 + random(2_000), "live reconnect", LightDevice.this::connect);
                }
              });
      schedulePing();
    } catch (SyncException e) {
      fleet.tally.error("live connect", e);
      fleet.after(2_000 + random(3_000), "live reconnect", this::connect);
    }
  }

  private void schedulePing() {
    LiveSocket socket = live;
    fleet.after(
        45_000 + random(30_000),
        "live ping",
        () -> {
          if (socket == live && socket != null && socket.isOpen() && !fleet.stopping()) {
            socket.ping();
            schedulePing();
          }
        });
  }

  private void pokedPull() {
    pokePending.set(false);
    if (fleet.stopping()) {
      return;
    }
    synchronized (this) {
      long started = System.nanoTime();
      pullToHead("light poked pull");
      fleet.tally.time("light poked pull (retries included)", started);
    }
  }

  /** Jitter for timings, which no check depends on (the device's seeded random is not shared). */
  private static long random(int bound) {
    return ThreadLocalRandom.current().nextInt(bound);
  }

  private long nextHlc() {
    hlc = Math.max(System.currentTimeMillis() << 16, hlc + 1);
    return hlc;
  }

  private void merge(long serverHlc) {
    hlc = Math.max(hlc, serverHlc);
  }

  /** A close reason without the numbers that would make each one a kind of its own. */
  private static String shorten(String reason) {
    String words = String.valueOf(reason).replaceAll("[0-9]+", "N");
    return words.length() > 80 ? words.substring(0, 80) + "..." : words;
  }
}
