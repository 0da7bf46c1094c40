package io.fieldsync.testkit;

import static io.fieldsync.testkit.FieldSurvey.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fieldsync.server.uplink.Uplink;
import io.fieldsync.server.uplink.UplinkSettings;
import io.fieldsync.wire.PullRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tiers (docs/tiers.md): a central server, two regional servers that are devices of it through
 * their uplinks, and devices under each. Devices insert households, add to their visit counter
 * ({@code sum}), add tags ({@code union}) and rename them ({@code lww}) at random; one uplink is
 * cut for a while and restored. Every replica must end equal, and every counter and tag set must be
 * what the test's own record of the writes says, not what a server says.
 */
class TieredSyncTest {
  @TempDir Path dir;

  private TestServer central;
  private TestServer north;
  private TestServer south;
  private CuttableTransport northWire;
  private CuttableTransport southWire;
  private Uplink northUplink;
  private Uplink southUplink;

  /** What the devices wrote: the visit count and tags every household must end with. */
  private final Map<String, Long> visits = new LinkedHashMap<>();

  private final Map<String, Set<String>> tags = new HashMap<>();

  /** Every name written to each household: the one it ends with is one of them. */
  private final Map<String, Set<String>> names = new HashMap<>();

  private int nextId = 1;

  /** The central server's database; SQLite here, PostgreSQL in the subclass. */
  ServerDatabase centralDatabase() {
    return ServerDatabase.sqlite(dir.resolve("central").resolve("server.db"));
  }

  /** The north's database; SQLite here, PostgreSQL in the subclass. */
  ServerDatabase northDatabase() {
    return ServerDatabase.sqlite(dir.resolve("north").resolve("server.db"));
  }

  @BeforeEach
  void startTiers() {
    // A zero horizon on the central too: a purge the test asks for drops every tombstone there.
    central =
        TestServer.builder(directory("central"))
            .database(centralDatabase())
            .configure(config -> config.tombstoneHorizonMillis(0).purgeIntervalMillis(0))
            .start();
    // A zero horizon: the north purges every tombstone it may whenever a test asks it to.
    north =
        TestServer.builder(directory("north"))
            .database(northDatabase())
            .configure(config -> config.tombstoneHorizonMillis(0))
            .start();
    south = TestServer.start(directory("south"));
    northWire = new CuttableTransport(central.http(0, central.token("north-office")));
    southWire = new CuttableTransport(central.http(0, central.token("south-office")));
    northUplink = Uplink.start(north.server(), northWire, settings("north", 1));
    southUplink = Uplink.start(south.server(), southWire, settings("south", 2));
  }

  @AfterEach
  void stopTiers() {
    for (AutoCloseable part : List.of(northUplink, southUplink, north, south, central)) {
      try {
        part.close();
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
  }

  /** One fresh seed per build; {@code -Dfieldsync.tiers.runs=N} runs N. */
  static LongStream seeds() {
    return new SplittableRandom().longs(Long.getLong("fieldsync.tiers.runs", 1));
  }

  @SeededTest(seedsFrom = "seeds")
  void everyReplicaConvergesAndEveryCounterIsExactAcrossACutUplink(long seed) throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    TestDevice northA = north.device("north-a");
    TestDevice northB = north.device("north-b");
    TestDevice southA = south.device("south-a");
    TestDevice southB = south.device("south-b");
    TestDevice hq = central.device("hq");
    List<TestDevice> devices = List.of(northA, northB, southA, southB, hq);

    String shared = insert(hq, random);
    settle(devices);
    for (int step = 0; step < 40; step++) {
      act(devices.get(random.nextInt(devices.size())), random);
      if (random.nextInt(3) == 0) {
        devices.get(random.nextInt(devices.size())).sync();
      }
    }

    northWire.cut(true);
    // The same record changed under the cut region, at the top and under the other region.
    add(northA, shared, 5);
    rename(northA, shared, "renamed in the north");
    add(hq, shared, 7);
    rename(hq, shared, "renamed at the top");
    add(southB, shared, 11);
    // A manual column: the north's edit reaches the top after the top's own, so it parks there.
    northA.execute("UPDATE households SET notes = 'north note' WHERE id = ?", shared);
    hq.execute("UPDATE households SET notes = 'top note' WHERE id = ?", shared);
    hq.sync();
    for (int step = 0; step < 40; step++) {
      TestDevice device = devices.get(random.nextInt(devices.size()));
      act(device, random);
      device.sync();
    }
    // Devices of the cut region keep syncing with it and see each other's writes.
    for (int round = 0; round < 2; round++) {
      northA.sync();
      northB.sync();
    }
    north.assertConverged(northA, northB);
    assertThat(syncFails(northUplink)).as("a sync of the cut uplink").isTrue();
    assertThat(northUplink.status().state()).isEqualTo("down");

    northWire.cut(false);
    settle(devices);

    Replicas.Snapshot top =
        assertEveryTierMatchesTheModel(hq, List.of(northA, northB), List.of(southA, southB));
    assertThat(top.row("households", shared).get("notes")).isEqualTo("top note");
    JsonObject parked = central.review().onlyItem();
    assertThat(parked.get("record_id").getAsString()).isEqualTo(shared);
    assertThat(northUplink.status().state()).isEqualTo("connected");
    assertThat(northUplink.status().unpushed()).as("north's writes waiting to go up").isZero();
    assertThat(southUplink.status().unpushed()).as("south's writes waiting to go up").isZero();
  }

  @SeededTest
  void aRegionalRestartNeitherLosesNorDoublesAPush(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    TestDevice northA = north.device("north-a");
    TestDevice hq = central.device("hq");
    String household = insert(northA, random);
    northA.sync();
    northUplink.syncNow();

    // The upstream commits a batch whose answer is lost, and the regional server stops before it
    // hears the outcome: the restarted uplink sends the kept batch again and it counts once.
    northWire.loseNextAnswerThenCut();
    add(northA, household, 3);
    northA.sync();
    assertThat(syncFails(northUplink)).as("a sync over the cut wire").isTrue();
    assertThat(northWire.pushesDelivered()).isEqualTo(2);
    restartNorth();
    // Devices keep writing while the uplink is away: the next batch covers more than the kept one.
    add(northA, household, 2);
    northA.sync();
    northWire.cut(false);
    northUplink.syncNow();

    // A batch kept but never delivered before the stop is delivered after it.
    northWire.failNextPushThenCut();
    add(northA, household, 4);
    northA.sync();
    assertThat(syncFails(northUplink)).as("a sync over the cut wire").isTrue();
    int delivered = northWire.pushesDelivered();
    restartNorth();
    add(northA, household, 6);
    northA.sync();
    northWire.cut(false);
    northUplink.syncNow();
    assertThat(northWire.pushesDelivered()).isGreaterThan(delivered);

    hq.sync();
    northA.sync();
    assertThat(central.snapshot().toString()).isEqualTo(north.snapshot().toString());
    central.assertConverged(hq);
    north.assertConverged(northA);
    assertMatchesModel(central.snapshot());
  }

  @SeededTest
  void aDeleteIsNotPurgedBeforeTheUpstreamHasIt(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    TestDevice northA = north.device("north-a");
    TestDevice hq = central.device("hq");
    String kept = insert(northA, random);
    String deleted = insert(northA, random);
    settle(List.of(northA, hq));
    assertThat(hq.query("SELECT id FROM households")).hasSize(2);

    northWire.cut(true);
    northA.execute("DELETE FROM households WHERE id = ?", deleted);
    forget(deleted);
    northA.sync();
    assertThat(north.server().purgeTombstones())
        .as("tombstones purged while the uplink is cut")
        .isZero();
    restartNorth();
    assertThat(north.server().purgeTombstones()).as("tombstones purged after a restart").isZero();

    northWire.cut(false);
    northUplink.syncNow();
    assertThat(north.server().purgeTombstones()).as("tombstones purged once acknowledged").isOne();
    settle(List.of(northA, hq));
    assertThat(hq.query("SELECT id FROM households"))
        .extracting(row -> row.get("id"))
        .containsExactly(kept);
    assertMatchesModel(central.snapshot());
    assertMatchesModel(north.snapshot());
  }

  @SeededTest
  void anUplinkBeyondTheTopsHorizonResyncsByItselfAndKeepsEveryCounterExact(long seed)
      throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    TestDevice northA = north.device("north-a");
    TestDevice northB = north.device("north-b");
    TestDevice southA = south.device("south-a");
    TestDevice hq = central.device("hq");
    List<TestDevice> devices = List.of(northA, northB, southA, hq);
    Set<String> doomed = new TreeSet<>();
    for (int i = 0; i < 4; i++) {
      doomed.add(insert(hq, random));
    }
    String deletedInTheNorth = insert(northA, random);
    for (int step = 0; step < 20; step++) {
      act(devices.get(random.nextInt(devices.size())), random, Set.of(deletedInTheNorth));
    }
    settle(devices);

    northWire.cut(true);
    // The top deletes records the north holds and purges their tombstones: the north's cursor is
    // now older than the top's horizon.
    for (String household : doomed) {
      hq.execute("DELETE FROM households WHERE id = ?", household);
      forget(household);
    }
    hq.sync();
    southUplink.syncNow();
    southA.sync();
    assertThat(central.server().purgeTombstones())
        .as("tombstones purged at the top")
        .isGreaterThanOrEqualTo(doomed.size());
    northA.execute("DELETE FROM households WHERE id = ?", deletedInTheNorth);
    forget(deletedInTheNorth);
    // A north device counts on a record the top deleted and purged: the top refuses the update of a
    // record it does not have, and the record leaves the north too.
    String countedAfterItsDelete = doomed.iterator().next();
    northB.execute(
        "UPDATE households SET visit_count = visit_count + 2 WHERE id = ?", countedAfterItsDelete);
    Set<String> avoided = new TreeSet<>(doomed);
    avoided.add(deletedInTheNorth);
    for (int step = 0; step < 30; step++) {
      TestDevice device = devices.get(random.nextInt(devices.size()));
      act(device, random, avoided);
      device.sync();
    }
    northA.sync();
    northB.sync();

    // The uplink comes back: its first pull is refused (410), it resyncs, and a device of the north
    // counts while the snapshot's first page is on its way.
    String counted = visits.keySet().iterator().next();
    AtomicReference<JsonObject> during = new AtomicReference<>();
    beforePulls(
        () -> {},
        () -> {
          add(northB, counted, 4);
          northB.sync();
          during.set(uplinkHealth(north));
        });
    northWire.cut(false);
    northUplink.syncNow();
    assertThat(during.get().get("state").getAsString()).isEqualTo("resyncing");
    assertThat(northUplink.status().state()).isEqualTo("connected");
    assertThat(metric(north, "fieldsync_uplink_resyncs_total")).isEqualTo(1.0);
    assertThat(metric(north, "fieldsync_uplink_rejected_changes_total")).isEqualTo(1.0);
    // The refused one left with the top's answer to the push, before the resync.
    assertThat(metric(north, "fieldsync_uplink_resync_removed_records_total"))
        .as("records removed because the top no longer holds them")
        .isEqualTo(doomed.size() - 1);
    settle(devices);

    assertEveryTierMatchesTheModel(hq, List.of(northA, northB), List.of(southA));
    for (String household : doomed) {
      assertThat(holds(northA, household)).as("north-a holds %s", household).isFalse();
      assertThat(holds(northB, household)).as("north-b holds %s", household).isFalse();
    }
    assertThat(northUplink.status().unpushed()).as("north's writes waiting to go up").isZero();
  }

  @SeededTest
  void aResyncAfterABatchWhoseAnswerWasLostCountsItOnceAndContinuesAfterARestart(long seed)
      throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    TestDevice northA = north.device("north-a");
    TestDevice hq = central.device("hq");
    String household = insert(northA, random);
    String doomed = insert(hq, random);
    for (int i = 0; i < 20; i++) {
      insert(hq, random); // a snapshot of several pages
    }
    settle(List.of(northA, hq));

    northWire.cut(true);
    hq.execute("DELETE FROM households WHERE id = ?", doomed);
    forget(doomed);
    hq.sync();
    assertThat(central.server().purgeTombstones()).as("tombstones purged at the top").isOne();
    add(northA, household, 3);
    northA.sync();
    // The batch reaches the top, which counts it; its answer is lost and the north restarts.
    northWire.cut(false);
    northWire.loseNextAnswerThenCut();
    assertThat(syncFails(northUplink)).as("a sync whose answer is lost").isTrue();
    restartNorth();
    add(northA, household, 2);
    northA.sync();
    // The resync is cut after its second snapshot page, and the north restarts in the middle of it.
    beforePulls(() -> {}, () -> {}, () -> northWire.cut(true));
    northWire.cut(false);
    assertThat(syncFails(northUplink)).as("a resync over a wire cut after two pages").isTrue();
    assertThat(metric(north, "fieldsync_uplink_resyncs_total")).isEqualTo(1.0);
    restartNorth();
    add(northA, household, 1);
    northA.sync();
    int before = northWire.pulls().size();
    northWire.cut(false);
    northUplink.syncNow();
    PullRequest resumed = northWire.pulls().get(before);
    assertThat(resumed.getSnapshot())
        .as("the first pull after the restart is a snapshot page")
        .isTrue();
    assertThat(resumed.getCursor()).as("the resync continues where it stopped").isPositive();
    settle(List.of(northA, hq));

    assertThat(central.snapshot().toString()).isEqualTo(north.snapshot().toString());
    central.assertConverged(hq);
    north.assertConverged(northA);
    assertMatchesModel(central.snapshot());
    assertThat(holds(northA, doomed)).as("north-a holds the record the top deleted").isFalse();
  }

  @SeededTest
  void aWriteThatArrivesWhileTheUplinkPullsIsDecidedAtTheTop(long seed) throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    TestDevice northA = north.device("north-a");
    TestDevice hq = central.device("hq");
    String household = insert(hq, random);
    settle(List.of(northA, hq));

    northWire.cut(true); // the north hears of the top's rename only in the pull below
    rename(hq, household, "renamed at the top");
    add(hq, household, 2);
    hq.sync();
    Thread.sleep(5); // the north's rename is the later write by the clock
    // Between the uplink's push and its pull, a device of the north renames and counts: the pull
    // brings the top's older rename, which must not overwrite the write the top has not decided.
    northWire.beforeNextPull(
        () -> {
          rename(northA, household, "renamed in the north later");
          add(northA, household, 3);
          northA.sync();
        });
    northWire.cut(false);
    northUplink.syncNow();
    settle(List.of(northA, hq));

    Replicas.Snapshot top = central.snapshot();
    assertThat(top.row("households", household).get("head_name"))
        .isEqualTo("renamed in the north later");
    assertThat(north.snapshot().toString()).isEqualTo(top.toString());
    central.assertConverged(hq);
    north.assertConverged(northA);
    assertMatchesModel(top);
  }

  @SeededTest
  void theWorkerFollowsLocalCommitsAndTheUpstreamsLiveChannel(long seed) throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    northUplink.close();
    // A poll of an hour: only a wake-up (a commit here, a poke from upstream) moves anything.
    northUplink =
        Uplink.start(north.server(), northWire, settings("north", 4).withPoll(Duration.ofHours(1)));
    TestDevice northA = north.device("north-a");
    TestDevice hq = central.device("hq");

    String fromNorth = insert(northA, random);
    northA.sync();
    Eventually.until(
        "the north's household reaches the top's device",
        () -> {
          hq.sync();
          return holds(hq, fromNorth);
        });

    String fromTop = insert(hq, random);
    hq.sync();
    Eventually.until(
        "the top's household reaches the north's device",
        () -> {
          northA.sync();
          return holds(northA, fromTop);
        });
    assertMatchesModel(central.snapshot());
  }

  private static boolean holds(TestDevice device, String household) {
    return device.value("SELECT count(*) FROM households WHERE id = ?", household).equals(1L)
        || device.value("SELECT count(*) FROM households WHERE id = ?", household).equals(1);
  }

  @SeededTest
  void theUplinksStateShowsInHealthAndMetrics(long seed) throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    TestDevice northA = north.device("north-a");
    insert(northA, random);
    insert(northA, random);
    northA.sync();
    northUplink.syncNow();
    JsonObject health = health(north);
    assertThat(health.get("status").getAsString()).isEqualTo("ok");
    JsonObject uplink = health.getAsJsonObject("uplink");
    assertThat(uplink.get("state").getAsString()).isEqualTo("connected");
    assertThat(uplink.get("tenant").getAsString()).isEqualTo(TestServer.TENANT);
    assertThat(uplink.get("unpushed").getAsLong()).isZero();
    assertThat(metric(north, "fieldsync_uplink_connected")).isEqualTo(1.0);
    assertThat(metric(north, "fieldsync_uplink_pushed_changes_total")).isEqualTo(2.0);
    assertThat(health(central).has("uplink")).as("a server without an upstream").isFalse();

    northWire.cut(true);
    assertThat(syncFails(northUplink)).isTrue();
    uplink = health(north).getAsJsonObject("uplink");
    assertThat(uplink.get("state").getAsString()).isEqualTo("down");
    assertThat(uplink.get("last_error").getAsString()).contains("the test cut the uplink");
    assertThat(metric(north, "fieldsync_uplink_connected")).isEqualTo(0.0);
    assertThat(metric(north, "fieldsync_uplink_failures_total")).isPositive();
  }

  /** Runs {@code actions} before the north uplink's next pulls, one before each. */
  private void beforePulls(Runnable... actions) {
    beforePulls(List.of(actions));
  }

  private void beforePulls(List<Runnable> actions) {
    if (!actions.isEmpty()) {
      northWire.beforeNextPull(
          () -> {
            actions.get(0).run();
            beforePulls(actions.subList(1, actions.size()));
          });
    }
  }

  private static JsonObject uplinkHealth(TestServer server) {
    try {
      return health(server).getAsJsonObject("uplink");
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static JsonObject health(TestServer server) throws Exception {
    return JsonParser.parseString(server.raw().get("/v1/health", null).body()).getAsJsonObject();
  }

  private static double metric(TestServer server, String name) throws Exception {
    for (String line : server.raw().get("/metrics", null).body().split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError("no metric " + name + " on " + server.uri());
  }

  private void restartNorth() {
    northUplink.close();
    north.restart();
    northUplink = Uplink.start(north.server(), northWire, settings("north", 3));
  }

  private static boolean syncFails(Uplink uplink) {
    try {
      uplink.syncNow();
      return false;
    } catch (io.fieldsync.TransportException e) {
      return true;
    }
  }

  /** Syncs every device and uplink until nothing is left in flight. */
  private void settle(List<TestDevice> devices) {
    for (int round = 0; round < 4; round++) {
      for (TestDevice device : devices) {
        device.sync();
      }
      northUplink.syncNow();
      southUplink.syncNow();
    }
    for (TestDevice device : devices) {
      device.sync();
    }
  }

  private void act(TestDevice device, SplittableRandom random) {
    act(device, random, Set.of());
  }

  /** A random write of {@code device} to a household it holds other than {@code avoided}. */
  private void act(TestDevice device, SplittableRandom random, Set<String> avoided) {
    List<String> held = new ArrayList<>();
    device.query("SELECT id FROM households").forEach(row -> held.add((String) row.get("id")));
    held.removeAll(avoided);
    int choice = random.nextInt(10);
    if (held.isEmpty() || choice < 2) {
      insert(device, random);
      return;
    }
    String household = held.get(random.nextInt(held.size()));
    if (choice < 6) {
      add(device, household, 1 + random.nextInt(9));
    } else if (choice < 8) {
      tag(device, household, "t" + random.nextInt(12));
    } else {
      rename(device, household, "head-" + random.nextInt(1000));
    }
  }

  private String insert(TestDevice device, SplittableRandom random) {
    String id = uuid(nextId++);
    long count = random.nextInt(5);
    device.execute(
        "INSERT INTO households (id, region, head_name, visit_count, tags)"
            + " VALUES (?, 'r1', 'new', ?, '[\"t0\"]')",
        id,
        count);
    visits.put(id, count);
    tags.put(id, new TreeSet<>(List.of("t0")));
    names.put(id, new HashSet<>(List.of("new")));
    return id;
  }

  private void forget(String household) {
    visits.remove(household);
    tags.remove(household);
    names.remove(household);
  }

  private void add(TestDevice device, String household, long delta) {
    int changed =
        device.execute(
            "UPDATE households SET visit_count = visit_count + ? WHERE id = ?", delta, household);
    assertThat(changed).as("%s holds %s", device.name(), household).isEqualTo(1);
    visits.merge(household, delta, Long::sum);
  }

  private void tag(TestDevice device, String household, String tag) {
    device.execute(
        "UPDATE households SET tags = json_insert(tags, '$[#]', ?) WHERE id = ? AND NOT EXISTS"
            + " (SELECT 1 FROM json_each(households.tags) WHERE value = ?)",
        tag,
        household,
        tag);
    tags.get(household).add(tag);
  }

  private void rename(TestDevice device, String household, String name) {
    device.execute("UPDATE households SET head_name = ? WHERE id = ?", name, household);
    names.get(household).add(name);
  }

  /** Every store equals the top's, every device its server's, and the top the model; the top. */
  private Replicas.Snapshot assertEveryTierMatchesTheModel(
      TestDevice hq, List<TestDevice> northDevices, List<TestDevice> southDevices) {
    Replicas.Snapshot top = central.snapshot();
    assertThat(north.snapshot().toString()).as("the north's store").isEqualTo(top.toString());
    assertThat(south.snapshot().toString()).as("the south's store").isEqualTo(top.toString());
    central.assertConverged(hq);
    north.assertConverged(northDevices.toArray(TestDevice[]::new));
    south.assertConverged(southDevices.toArray(TestDevice[]::new));
    assertMatchesModel(top);
    return top;
  }

  private void assertMatchesModel(Replicas.Snapshot snapshot) {
    Map<String, Map<String, Object>> rows = snapshot.rows("households");
    assertThat(rows.keySet()).as("households").containsExactlyInAnyOrderElementsOf(visits.keySet());
    for (Map.Entry<String, Long> expected : visits.entrySet()) {
      Map<String, Object> row = rows.get(expected.getKey());
      assertThat(((Number) row.get("visit_count")).longValue())
          .as("visit_count of %s", expected.getKey())
          .isEqualTo(expected.getValue());
      assertThat(row.get("head_name"))
          .as("head_name of %s", expected.getKey())
          .isIn(names.get(expected.getKey()));
      assertThat(elements(row.get("tags")))
          .as("tags of %s", expected.getKey())
          .isEqualTo(tags.get(expected.getKey()));
    }
  }

  private static Set<String> elements(Object json) {
    Set<String> result = new TreeSet<>();
    for (JsonElement element : JsonParser.parseString((String) json).getAsJsonArray()) {
      result.add(element.getAsString());
    }
    return result;
  }

  private static UplinkSettings settings(String name, long seed) {
    // Pages of a few records: pulls and resyncs take several.
    return UplinkSettings.of(name, seed)
        .withPageSize(7)
        .withPoll(Duration.ofMillis(200))
        .withRetries(Duration.ofMillis(20), Duration.ofMillis(200));
  }

  private Path directory(String name) {
    Path path = dir.resolve(name);
    try {
      java.nio.file.Files.createDirectories(path);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return path;
  }
}
