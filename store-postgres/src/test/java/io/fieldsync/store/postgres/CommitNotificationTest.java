package io.fieldsync.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.store.CommitListener;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.SyncStores;
import io.fieldsync.store.postgres.testing.PostgresDatabaseExtension;
import io.fieldsync.store.postgres.testing.TestDatabase;
import io.fieldsync.wire.RecordVersions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** LISTEN/NOTIFY: a commit through one node's store wakes listeners on every node. */
@ExtendWith(PostgresDatabaseExtension.class)
class CommitNotificationTest {
  private static final String ID = "0190f3a4-0000-7000-8000-00000000000";

  private SyncStore nodeA;
  private SyncStore nodeB;

  // The class shares one database: each test writes its own tenants.

  @BeforeEach
  void open(TestDatabase database) {
    nodeA = SyncStores.open(database.location(), new StoreOptions(2, 5_000));
    nodeB = SyncStores.open(database.location(), new StoreOptions(2, 5_000));
    nodeA.migrate(SchemaLoader.parse(PostgresStoreTest.SCHEMA_V1));
    nodeB.migrate(SchemaLoader.parse(PostgresStoreTest.SCHEMA_V1));
  }

  @AfterEach
  void close() {
    nodeA.close();
    nodeB.close();
  }

  private long save(SyncStore node, String tenant, int n, int records) {
    return node.write(
        tenant,
        transaction -> {
          for (int i = 0; i < records; i++) {
            transaction.save(
                new io.fieldsync.store.StoredRecord(
                    "samples",
                    ID + (n + i),
                    transaction.nextSequence(),
                    false,
                    Map.of("id", ID + (n + i)),
                    RecordVersions.getDefaultInstance()));
          }
          return transaction.sequence();
        });
  }

  private static String next(BlockingQueue<String> heard) throws InterruptedException {
    String event = heard.poll(10, TimeUnit.SECONDS);
    assertThat(event).as("a notification within 10 s").isNotNull();
    return event;
  }

  @Test
  void commitThroughOneNodeNotifiesListenersOnEveryNodeInOrder() throws Exception {
    BlockingQueue<String> onA = new LinkedBlockingQueue<>();
    BlockingQueue<String> onB = new LinkedBlockingQueue<>();
    try (CommitListener.Registration a = nodeA.onCommit((t, seq) -> onA.add(t + ":" + seq));
        CommitListener.Registration b = nodeB.onCommit((t, seq) -> onB.add(t + ":" + seq))) {
      assertThat(save(nodeA, "north", 1, 3)).isEqualTo(3);
      assertThat(save(nodeA, "north:east", 1, 1)).isEqualTo(1);
      assertThat(save(nodeB, "north", 4, 1)).isEqualTo(4);

      for (BlockingQueue<String> heard : List.of(onA, onB)) {
        assertThat(List.of(next(heard), next(heard), next(heard)))
            .containsExactly("north:3", "north:east:1", "north:4");
      }
    }
  }

  @Test
  void rolledBackAndReadOnlyWritesNotifyNobodyAndClosedRegistrationsHearNothing() throws Exception {
    BlockingQueue<String> heard = new LinkedBlockingQueue<>();
    BlockingQueue<String> stopped = new LinkedBlockingQueue<>();
    CommitListener.Registration gone = nodeB.onCommit((t, seq) -> stopped.add(t + ":" + seq));
    gone.close();
    gone.close();
    try (CommitListener.Registration registration =
        nodeB.onCommit((t, seq) -> heard.add(t + ":" + seq))) {
      try {
        nodeA.write(
            "acme",
            transaction -> {
              transaction.nextSequence();
              throw new IllegalStateException("abort");
            });
      } catch (IllegalStateException expected) {
        assertThat(expected).hasMessage("abort");
      }
      nodeA.write("acme", transaction -> transaction.batchOutcome("d", "b"));
      save(nodeA, "acme", 1, 1);
      // The rolled-back and the read-only write said nothing: the first thing heard is sequence 1.
      assertThat(next(heard)).isEqualTo("acme:1");
      assertThat(heard.poll(300, TimeUnit.MILLISECONDS)).isNull();
    }
    assertThat(stopped).isEmpty();
  }
}
