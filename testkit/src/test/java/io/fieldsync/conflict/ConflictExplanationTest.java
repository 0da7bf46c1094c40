package io.fieldsync.conflict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.client.ConflictExplanation;
import io.fieldsync.client.ConflictExplanation.Outcome;
import io.fieldsync.client.ParkedEdit;
import io.fieldsync.client.RejectedChange;
import io.fieldsync.client.SyncListener;
import io.fieldsync.testkit.SeededTest;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a device is told about each pushed field the server merged, parked or rejected, and what
 * discarding and retrying a kept entry does. Expected explanations come from a model of the
 * strategies fed with the edits the test made (example schema: head_name lww, members max,
 * visit_count sum, notes manual).
 */
class ConflictExplanationTest {
  static final String HOUSEHOLD = "01890000-0000-7000-8000-0000000000a1";
  static final String INVALID = "01890000-0000-7000-8000-0000000000a2";

  @TempDir Path dir;
  TestServer server;

  @AfterEach
  void stop() {
    server.close();
  }

  @SeededTest(runs = 2)
  void eachMergedParkedAndRejectedFieldIsExplainedAndCanBeRetriedOrDiscarded(long seed)
      throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    server = TestServer.start(dir);
    TestDevice a = server.device("device-a");
    TestDevice b = server.device("device-b");
    long members = random.nextLong(1, 10);
    a.execute(
        "INSERT INTO households (id, region, head_name, members, visit_count, notes)"
            + " VALUES (?, 'north', 'Start', ?, 0, 'start')",
        HOUSEHOLD,
        members);
    TestDevice.syncAll(a, b);

    String nameB = "B-" + random.nextInt(1000);
    String nameA = "A-" + random.nextInt(1000);
    long membersB = random.nextLong(1, 20);
    long membersA = random.nextLong(1, 20);
    long incrementB = random.nextLong(1, 5);
    long incrementA = random.nextLong(1, 5);
    String notesB = "b saw " + random.nextInt(1000);
    String notesA = "a saw " + random.nextInt(1000);
    b.execute(
        "UPDATE households SET head_name = ?, members = ?, visit_count = visit_count + ?,"
            + " notes = ? WHERE id = ?",
        nameB,
        membersB,
        incrementB,
        notesB,
        HOUSEHOLD);
    b.execute("INSERT INTO households (id, region, members) VALUES (?, 'north', 'many')", INVALID);
    Thread.sleep(5); // a's edit is the later one: lww keeps it
    a.execute(
        "UPDATE households SET head_name = ?, members = ?, visit_count = visit_count + ?,"
            + " notes = ? WHERE id = ?",
        nameA,
        membersA,
        incrementA,
        notesA,
        HOUSEHOLD);
    a.sync();

    List<ConflictExplanation> heard = new CopyOnWriteArrayList<>();
    b.client()
        .addListener(
            new SyncListener() {
              @Override
              public void explained(ConflictExplanation explanation) {
                heard.add(explanation);
              }
            });
    b.sync();

    ConflictExplanation parked =
        new ConflictExplanation(
            Outcome.PARKED,
            "households",
            HOUSEHOLD,
            "notes",
            "manual",
            quoted(notesB),
            quoted(notesA),
            "Your change to notes was kept for review because someone else also changed it; a"
                + " coordinator will choose.");
    List<ConflictExplanation> expected = new ArrayList<>();
    expected.add(parked);
    expected.add(
        merged(
            "head_name",
            "lww",
            quoted(nameB),
            quoted(nameA),
            "Your change to head_name was replaced by a later change made elsewhere; it is now "
                + quoted(nameA)
                + "."));
    long largest = Math.max(members, Math.max(membersA, membersB));
    // b's update changes members only when it sets another value: an unchanged column is not
    // captured
    if (membersB != members && largest != membersB) {
      expected.add(
          merged(
              "members",
              "max",
              String.valueOf(membersB),
              String.valueOf(largest),
              "Your change to members was combined with changes made elsewhere and the largest"
                  + " value was kept; it is now "
                  + largest
                  + "."));
    }
    long total = incrementA + incrementB;
    expected.add(
        merged(
            "visit_count",
            "sum",
            String.valueOf(incrementB),
            String.valueOf(total),
            "Your change to visit_count was added to changes made elsewhere; it is now "
                + total
                + "."));
    List<ConflictExplanation> refused =
        heard.stream().filter(e -> e.outcome() == Outcome.REJECTED).toList();
    assertThat(heard).filteredOn(e -> e.outcome() != Outcome.REJECTED).hasSameElementsAs(expected);
    assertThat(heard).filteredOn(e -> e.outcome() != Outcome.REJECTED).hasSize(expected.size());
    assertThat(refused).hasSize(1);
    ConflictExplanation rejection = refused.get(0);
    assertThat(rejection.recordId()).isEqualTo(INVALID);
    assertThat(rejection.column()).isEqualTo("members");
    assertThat(rejection.strategy()).isEqualTo("max");
    assertThat(rejection.deviceValue()).isEqualTo("\"many\"");
    assertThat(rejection.winningValue()).as("the server has no such record").isNull();
    assertThat(rejection.message())
        .startsWith("Your change to members was refused by the server and not saved: ")
        .doesNotContain("table '");

    List<ParkedEdit> kept = b.client().parked().list();
    assertThat(kept).extracting(ParkedEdit::explanation).containsExactly(parked);
    List<RejectedChange> rejected = b.client().rejected().list();
    assertThat(rejected)
        .extracting(RejectedChange::explanations)
        .containsExactly(List.of(rejection));

    // Retrying the parked edit pushes it again, now as an edit made after the server's value.
    b.client().parked().retry(kept.get(0).id());
    assertThat(b.value("SELECT notes FROM households WHERE id = ?", HOUSEHOLD)).isEqualTo(notesB);
    assertThat(b.client().parked().list()).isEmpty();
    // Retrying the refused insert queues it again: the server refuses it again.
    b.client().rejected().retry(rejected.get(0).id());
    assertThat(b.client().status().pending()).isEqualTo(2);
    b.sync();
    a.sync();
    assertThat(a.value("SELECT notes FROM households WHERE id = ?", HOUSEHOLD)).isEqualTo(notesB);
    List<RejectedChange> again = b.client().rejected().list();
    assertThat(again).hasSize(1);
    assertThat(again.get(0).id()).isNotEqualTo(rejected.get(0).id());
    assertThat(again.get(0).values()).isEqualTo(rejected.get(0).values());
    assertThat(again.get(0).batchId()).isNotEqualTo(rejected.get(0).batchId());

    b.client().rejected().discard(again.get(0).id());
    assertThat(b.client().rejected().list()).isEmpty();
    server.assertConverged(a, b);
    long missing = again.get(0).id();
    assertThatThrownBy(() -> b.client().rejected().discard(missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "no rejected change with id "
                + missing
                + "; `fieldsync client rejected list` (RejectedChanges.list) shows them");
  }

  @Test
  void discardingAParkedEditLeavesTheDeviceWithTheServersValue() {
    server = TestServer.start(dir);
    TestDevice a = server.device("device-a");
    TestDevice b = server.device("device-b");
    a.execute("INSERT INTO households (id, region, notes) VALUES (?, 'north', 'start')", HOUSEHOLD);
    TestDevice.syncAll(a, b);
    b.execute("UPDATE households SET notes = 'from b' WHERE id = ?", HOUSEHOLD);
    a.execute("UPDATE households SET notes = 'from a' WHERE id = ?", HOUSEHOLD);
    TestDevice.syncAll(a, b);
    ParkedEdit edit = b.client().parked().list().get(0);

    b.client().parked().discard(edit.id());

    assertThat(b.client().parked().list()).isEmpty();
    assertThat(b.value("SELECT notes FROM households WHERE id = ?", HOUSEHOLD)).isEqualTo("from a");
    b.sync();
    server.assertConverged(a, b);
  }

  @Test
  void aRetriedCounterIncrementAddsToWhatOthersCountedMeanwhile() {
    server = TestServer.start(dir);
    TestDevice office = server.device("office");
    office.execute(
        "INSERT INTO households (id, region, visit_count) VALUES (?, 'north', 10)", HOUSEHOLD);
    office.sync();
    TestDevice north =
        server.device(
            "tablet-north",
            builder -> builder.token(server.scopedToken("tablet-north", List.of("region:north"))));
    north.sync();
    north.execute(
        "UPDATE households SET visit_count = visit_count + 3, region = 'south' WHERE id = ?",
        HOUSEHOLD);
    north.sync();
    RejectedChange refused = north.client().rejected().list().get(0);
    assertThat(refused.explanations())
        .extracting(ConflictExplanation::outcome, ConflictExplanation::column)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(Outcome.REJECTED, "region"));
    assertThat(north.value("SELECT visit_count FROM households WHERE id = ?", HOUSEHOLD))
        .isEqualTo(10);
    office.execute("UPDATE households SET visit_count = visit_count + 2 WHERE id = ?", HOUSEHOLD);
    office.sync();

    // The device is given the southern region too, and retries.
    north =
        server.reopen(
            north,
            builder ->
                builder.token(
                    server.scopedToken("tablet-north", List.of("region:north", "region:south"))));
    north.sync();
    north.client().rejected().retry(refused.id());
    north.sync();
    office.sync();

    assertThat(north.client().rejected().list()).isEmpty();
    assertThat(office.value("SELECT visit_count FROM households WHERE id = ?", HOUSEHOLD))
        .isEqualTo(10 + 2 + 3);
    assertThat(office.value("SELECT region FROM households WHERE id = ?", HOUSEHOLD))
        .isEqualTo("south");
    server.assertConverged(office, north);
  }

  private static ConflictExplanation merged(
      String column, String strategy, String device, String winning, String message) {
    return new ConflictExplanation(
        Outcome.MERGED, "households", HOUSEHOLD, column, strategy, device, winning, message);
  }

  private static String quoted(String text) {
    return "\"" + text + "\"";
  }
}
